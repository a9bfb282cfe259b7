"""Every table the dashboard shows, downloadable as CSV, Excel and Parquet.

The files are built only when a person clicks (Streamlit's deferred
download), so showing a page never pays for encoding tables nobody takes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from components.text import plain
from models.spreadsheet import safe_csv

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

Format = Literal["csv", "xlsx", "parquet"]

MIME: dict[Format, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
LABEL: dict[Format, str] = {"csv": "CSV", "xlsx": "Excel", "parquet": "Parquet"}


def file_stem(text: str) -> str:
    """A safe file name from a title: letters, digits and dashes."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return stem[:80] or "table"


def _nested_as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A list or struct column as readable text ("[1, 2]", JSON for structs):
    CSV and Excel cells hold one value."""
    col = pl.col(name)
    if isinstance(dtype, pl.Array):
        col, dtype = col.arr.to_list(), pl.List(dtype.inner)
    if isinstance(dtype, pl.List):
        inner = col.list.eval(pl.element().cast(pl.String).fill_null("null")).list.join(", ")
        return pl.format("[{}]", inner).alias(name)
    return col.struct.json_encode().alias(name)


def _nested(dtype: pl.DataType) -> bool:
    return isinstance(dtype, (pl.List, pl.Struct, pl.Array))


def _excel_ready(frame: pl.DataFrame) -> pl.DataFrame:
    # Excel has no time zones and no nested values: write UTC wall time and
    # nested values as text rather than fail or silently shift the clock.
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            exprs.append(pl.col(name).dt.convert_time_zone("UTC").dt.replace_time_zone(None))
        elif _nested(dtype):
            exprs.append(_nested_as_text(name, dtype))
    return frame.with_columns(exprs) if exprs else frame


def table_bytes(frame: pl.DataFrame, fmt: Format, *, sheet: str = "data") -> bytes:
    """The frame encoded as `fmt`."""
    buffer = io.BytesIO()
    if fmt == "csv":
        csv_ready = frame.with_columns(
            _nested_as_text(name, dtype) for name, dtype in frame.schema.items() if _nested(dtype)
        )
        buffer.write(safe_csv(csv_ready))
    elif fmt == "xlsx":
        _excel_ready(frame).write_excel(
            workbook=buffer, worksheet=sheet[:31] or "data", autofit=True, header_format={"bold": True}
        )
    elif fmt == "parquet":
        frame.write_parquet(buffer)
    else:  # pragma: no cover - Literal guards the callers
        raise ValueError(f"unknown format {fmt!r}")
    return buffer.getvalue()


def _deferred(frame: pl.DataFrame, fmt: Format, sheet: str) -> Callable[[], bytes]:
    return lambda: table_bytes(frame, fmt, sheet=sheet)


def download_buttons(frame: pl.DataFrame, *, name: str, key: str) -> None:
    """Three buttons (CSV, Excel, Parquet) for one table."""
    import streamlit as st

    stem = file_stem(name)
    fmts: tuple[Format, ...] = ("csv", "xlsx", "parquet")
    with st.container(horizontal=True, gap="small"):
        for fmt in fmts:
            st.download_button(
                LABEL[fmt],
                data=_deferred(frame, fmt, name),
                file_name=f"{stem}.{fmt}",
                mime=MIME[fmt],
                key=f"{key}_{fmt}",
                icon=":material/download:",
                on_click="ignore",
                type="tertiary",
                disabled=frame.height == 0,
            )


# A file's type and the icon of its button, by the file name's ending.
FILE_KINDS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv", ":material/download:"),
    "pdf": ("application/pdf", ":material/picture_as_pdf:"),
    "html": ("text/html", ":material/description:"),
    "zip": ("application/zip", ":material/folder_zip:"),
}


def file_button(
    label: str,
    data: bytes | Callable[[], bytes],
    file_name: str,
    *,
    key: str,
    where: DeltaGenerator | None = None,
    primary: bool = False,
    disabled: bool = False,
) -> None:
    """A button that downloads one file, its type and icon read from the
    file name's ending. Given a function, the file is made only on a click;
    the click does not rerun the page."""
    import streamlit as st

    mime, icon = FILE_KINDS[file_name.rsplit(".", 1)[-1]]
    button = st.download_button if where is None else where.download_button
    button(
        label,
        data=data,
        file_name=file_name,
        mime=mime,
        key=key,
        icon=icon,
        on_click="ignore",
        type="primary" if primary else "secondary",
        disabled=disabled,
    )


def csv_button(
    label: str,
    frame: pl.DataFrame | Callable[[], pl.DataFrame],
    file_name: str,
    *,
    key: str,
    where: DeltaGenerator | None = None,
    disabled: bool = False,
) -> None:
    """A button that downloads `frame` (or what a function gives, made then)
    as a CSV a spreadsheet opens safely, written only when clicked (a long
    list costs nothing on each rerun)."""
    file_button(
        label,
        lambda: safe_csv(frame() if callable(frame) else frame),
        file_name,
        key=key,
        where=where,
        disabled=disabled,
    )


def show_table(
    frame: pl.DataFrame,
    *,
    title: str,
    key: str,
    column_config: Mapping[str, Any] | None = None,
    caption: str | None = None,
    height: int | None = None,
) -> None:
    """A titled table with its downloads; an empty one says so."""
    import streamlit as st

    st.markdown(f"**{plain(title)}**")
    if caption:
        st.caption(caption)
    if frame.height == 0:
        st.info("No rows for these filters.", icon=":material/info:")
        return
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=key,
        column_config=column_config,
        height=height if height is not None else "auto",
    )
    download_buttons(frame, name=title, key=f"{key}_dl")
