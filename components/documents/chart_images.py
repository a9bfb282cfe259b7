"""Charts as static images, through kaleido, which drives a headless Chromium
(Debian's /usr/bin/chromium unless BROWSER_PATH says otherwise). One Chromium
start draws every chart of a document."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import plotly.graph_objects as go
import plotly.io as pio

IMAGE_WIDTH = 1200
IMAGE_HEIGHT = 620


class ChartsUnavailableError(RuntimeError):
    """Chromium (or kaleido) is not there to draw static charts."""


def browser_path() -> str | None:
    """Where kaleido finds Chromium: BROWSER_PATH, else Debian's chromium."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and Path(configured).exists():
        return configured
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    return found


_render_lock = threading.Lock()
_image_cache: OrderedDict[tuple[str, str], list[bytes]] = OrderedDict()
_IMAGE_CACHE_SIZE = 16


def _figures_key(figures: Sequence[go.Figure]) -> str:
    h = hashlib.sha256()
    for fig in figures:
        h.update(fig.to_json().encode())
    return h.hexdigest()


def render_images(figures: Sequence[go.Figure], fmt: Literal["png", "svg"]) -> list[bytes]:
    """Each figure as PNG (for the PDF, at twice the layout size) or SVG (for
    the HTML), drawn in one Chromium start.

    Results are kept by the figures' content, so a second download of the
    same pack draws nothing. (Two people share an entry only when their
    figures are identical to the byte, which means they hold the same data.)"""
    if not figures:
        return []
    key = (_figures_key(figures), fmt)
    with _render_lock:
        if key in _image_cache:
            _image_cache.move_to_end(key)
            return _image_cache[key]
        path = browser_path()
        if path is None:
            raise ChartsUnavailableError("Chromium was not found (set BROWSER_PATH to a Chrome or Chromium)")
        os.environ.setdefault("BROWSER_PATH", path)
        with tempfile.TemporaryDirectory(prefix="heartbeat-report-") as tmp:
            files = [Path(tmp) / f"{i}.{fmt}" for i in range(len(figures))]
            try:
                pio.write_images(
                    list(figures),
                    files,
                    format=fmt,
                    width=IMAGE_WIDTH,
                    height=[image_height(f) for f in figures],
                    scale=2 if fmt == "png" else 1,
                )
            except Exception as exc:  # kaleido wraps Chromium's failures in several types
                raise ChartsUnavailableError(f"the charts could not be drawn: {exc}") from exc
            result = [f.read_bytes() for f in files]
        _image_cache[key] = result
        while len(_image_cache) > _IMAGE_CACHE_SIZE:
            _image_cache.popitem(last=False)
        return result


def image_height(fig: go.Figure) -> int:
    height = fig.layout.height
    return int(height) if height else IMAGE_HEIGHT
