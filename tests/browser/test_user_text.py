"""Names people type are shown as typed in other people's browsers: a shift
called like a markdown image loads nothing, an event called like a link
links nowhere."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, served_db, sign_in, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TRAP = "http://127.0.0.1:9"
SHIFT = f"![pixel]({TRAP}/pixel.png) **Set-up**"
EVENT = f'<img src="{TRAP}/tag.png"> [Picnic]({TRAP}/go)'
PLACE = f":red[Hall] <a href='{TRAP}/'>here</a>"


def test_typed_names_render_as_text(page: Any, app_url: str, pg_server: object) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url) if r.url.startswith(TRAP) else None)
    with psycopg.connect(served_db(pg_server), autocommit=True) as conn:
        (event_id,) = conn.execute(
            """insert into public.events (chapter_id, kind, title, starts_at, ends_at, place)
               select m.chapter_id, 'community_event', %s, now() + interval '2 days',
                      now() + interval '2 days 3 hours', %s
                 from public.members m join auth.users u on u.id = m.user_id
                where u.email = 'volunteer@demo.heartbeat.example'
               returning id""",
            (EVENT, PLACE),
        ).fetchone()
        conn.execute(
            """insert into public.shifts (event_id, title, starts_at, ends_at, capacity)
               select id, %s, starts_at, ends_at, 4 from public.events where id = %s""",
            (SHIFT, event_id),
        )
    try:
        sign_in(page, app_url, "volunteer@demo.heartbeat.example")
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Shifts", exact=True).click()
        wait_for_app(page)
        card = page.get_by_test_id("stVerticalBlock").filter(has_text="**Set-up**").last
        expect(card).to_be_visible()
        # As read: word joiners (invisible) keep addresses from becoming links.
        shown = card.inner_text().replace("\u2060", "")
        assert f"{SHIFT} · {EVENT}" in shown
        assert PLACE in shown
        screenshot(page, "user_text_as_typed")
        main = page.get_by_test_id("stMain")
        live = main.locator(f"img[src^='{TRAP}'], a[href^='{TRAP}']")
        assert live.count() == 0, [
            live.nth(i).evaluate("e => e.parentElement.outerHTML") for i in range(live.count())
        ]
        assert requested == []
    finally:
        with psycopg.connect(served_db(pg_server), autocommit=True) as conn:
            conn.execute("delete from public.events where id = %s", (event_id,))
