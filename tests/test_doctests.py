"""The examples in docstrings are run: a formula's example that no longer
holds fails here, not in a reader's head."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import metrics

OTHERS = ("money", "components.text", "imports.text", "models.chapters", "models.email")


def _modules() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(metrics.__path__, prefix="metrics.")]
    return sorted({*found, *OTHERS})


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_hold(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples fail in {name}"
