"""Vectorised helpers the generator shares: day numbers, random streams,
weighted draws inside ranges, UUIDs, seasonality and round amounts.

Dates are int64 day numbers since 1970-01-01 and instants int64 seconds
since the epoch (UTC) until a frame is built, so that numpy does the work."""

from __future__ import annotations

import zlib
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

EPOCH = date(1970, 1, 1)
DAY = 86_400


def day_number(d: date) -> int:
    return (d - EPOCH).days


def from_day_number(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def stream(seed: int, key: str) -> np.random.Generator:
    """An independent random stream per purpose, so that changing how one
    table is drawn leaves every other table's rows as they were."""
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def date_series(name: str, days: npt.ArrayLike, valid: BoolArray | None = None) -> pl.Series:
    arr = np.asarray(days, dtype=np.int64)
    s = pl.Series(name, arr.astype(np.int32), dtype=pl.Int32).cast(pl.Date)
    if valid is not None:
        s = pl.select(pl.when(pl.Series(valid)).then(s).otherwise(None)).to_series().alias(name)
    return s


def instant_series(name: str, seconds: npt.ArrayLike, valid: BoolArray | None = None) -> pl.Series:
    """Seconds since the epoch as a naive UTC datetime column (the loader
    sets the session time zone to UTC before copying)."""
    arr = np.asarray(seconds, dtype=np.int64) * 1_000_000
    s = pl.Series(name, arr, dtype=pl.Int64).cast(pl.Datetime("us"))
    if valid is not None:
        s = pl.select(pl.when(pl.Series(valid)).then(s).otherwise(None)).to_series().alias(name)
    return s


def optional_ids(name: str, ids: npt.ArrayLike) -> pl.Series:
    """Ids with 0 or less meaning null."""
    arr = np.asarray(ids, dtype=np.int64)
    s = pl.Series(name, arr, dtype=pl.Int64)
    return pl.select(pl.when(s > 0).then(s).otherwise(None)).to_series().alias(name)


def text_where(name: str, mask: BoolArray, value: str | pl.Series) -> pl.Series:
    """`value` where mask holds, null elsewhere."""
    then = pl.lit(value) if isinstance(value, str) else value
    return pl.select(pl.when(pl.Series(np.asarray(mask, dtype=bool))).then(then)).to_series().alias(name)


# Each byte's two lowercase hex digits, as one little-endian uint16.
_HEX_PAIRS = np.array([ord(f"{b:02x}"[0]) | (ord(f"{b:02x}"[1]) << 8) for b in range(256)], dtype=np.uint16)


def fixed_width_strings(chars: npt.NDArray[np.uint8]) -> pl.Series:
    """An (n, w) array of ASCII bytes as n strings, without a Python object
    per row (Arrow buffers handed to polars)."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    array = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars))]
    )
    series = pl.from_arrow(array)
    assert isinstance(series, pl.Series)
    return series.cast(pl.String)


def uuids(rng: np.random.Generator, n: int) -> pl.Series:
    """n random version-4 UUIDs as text, drawn from `rng` (so a seed makes
    the same keys every time)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = _HEX_PAIRS[raw].view(np.uint8).reshape(n, 32)
    out = np.empty((n, 36), dtype=np.uint8)
    out[:, 8] = out[:, 13] = out[:, 18] = out[:, 23] = ord("-")
    out[:, 0:8] = hexed[:, 0:8]
    out[:, 9:13] = hexed[:, 8:12]
    out[:, 14:18] = hexed[:, 12:16]
    out[:, 19:23] = hexed[:, 16:20]
    out[:, 24:36] = hexed[:, 20:32]
    return fixed_width_strings(out)


def labels(name: str, choices: tuple[str, ...] | list[str], index: npt.ArrayLike) -> pl.Series:
    """Text from small integer codes (far cheaper than numpy string arrays)."""
    return pl.Series(name, list(choices), dtype=pl.String).gather(np.asarray(index, dtype=np.int64))


def codes(values: IntArray, *, length: int = 8) -> pl.Series:
    """Distinct pseudonymous codes for distinct non-negative integers below
    2**40: a bijective scramble written in base 32 (no 0/O/1/I to misread)."""
    alphabet = np.frombuffer(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", dtype=np.uint8)
    mask = (1 << 40) - 1
    x = (np.asarray(values, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15 & mask)) & np.uint64(mask)
    x ^= x >> np.uint64(17)
    x = (x * np.uint64(0xBF58476D1CE4E5B9 & mask)) & np.uint64(mask)
    out = np.empty((len(x), length), dtype=np.uint8)
    for i in range(length):
        out[:, length - 1 - i] = alphabet[((x >> np.uint64(5 * i)) & np.uint64(31)).astype(np.int64)]
    return fixed_width_strings(out)


def months_of(days: IntArray) -> IntArray:
    """Calendar month 1-12 of each day number."""
    m = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return (m % 12 + 1).astype(np.int64)


def years_of(days: IntArray) -> IntArray:
    y = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    return (y + 1970).astype(np.int64)


def month_index(days: IntArray) -> IntArray:
    """Months since January 1970."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start(month_idx: IntArray) -> IntArray:
    return (
        np.asarray(month_idx, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    )


def weekday(days: IntArray) -> IntArray:
    """0 = Monday … 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def seasonal_days(
    rng: np.random.Generator, lo: IntArray, hi: IntArray, weights: FloatArray, *, rounds: int = 6
) -> IntArray:
    """One day per row, in [lo, hi], more often in months with a higher
    weight (weights[0] is January); rows still unplaced after a few rounds
    of rejection keep their last draw."""
    lo = np.asarray(lo, dtype=np.int64)
    span = np.maximum(np.asarray(hi, dtype=np.int64) - lo + 1, 1)
    out = lo + (rng.random(len(lo)) * span).astype(np.int64)
    accept_p = np.asarray(weights, dtype=np.float64) / float(np.max(weights))
    todo = np.flatnonzero(rng.random(len(lo)) >= accept_p[months_of(out) - 1])
    for _ in range(rounds):
        if len(todo) == 0:
            break
        out[todo] = lo[todo] + (rng.random(len(todo)) * span[todo]).astype(np.int64)
        keep = rng.random(len(todo)) >= accept_p[months_of(out[todo]) - 1]
        todo = todo[keep]
    return np.asarray(out, dtype=np.int64)


def draw_in_ranges(rng: np.random.Generator, cumulative: FloatArray, lo: IntArray, hi: IntArray) -> IntArray:
    """One index per row, in [lo, hi), with probability proportional to the
    weight whose running total is `cumulative` (inclusive cumsum). Rows with
    an empty range get -1."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    empty = hi <= lo
    lo_c = np.clip(lo, 0, max(len(cumulative) - 1, 0))
    hi_c = np.clip(hi - 1, 0, max(len(cumulative) - 1, 0))
    before = np.where(lo_c > 0, cumulative[np.maximum(lo_c - 1, 0)], 0.0)
    total = cumulative[hi_c] - before
    u = before + rng.random(len(lo)) * total
    idx = np.searchsorted(cumulative, u, side="right").astype(np.int64)
    idx = np.clip(idx, lo_c, hi_c)
    idx[empty] = -1
    return idx


_NICE = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0])


def nice_amounts(values: FloatArray) -> FloatArray:
    """Round each amount to the kind of figure people give: 10, 25, 50, 150 …"""
    v = np.maximum(np.asarray(values, dtype=np.float64), 1.0)
    exp = np.floor(np.log10(v))
    mant = v / 10**exp
    pick = np.abs(mant[:, None] - _NICE[None, :]).argmin(axis=1)
    return np.asarray(_NICE[pick] * 10**exp, dtype=np.float64)


def repeat_index(counts: IntArray) -> IntArray:
    """For counts [2, 0, 3] returns [0, 0, 2, 2, 2]."""
    return np.repeat(np.arange(len(counts), dtype=np.int64), np.asarray(counts, dtype=np.int64))


def rank_within(groups: IntArray) -> IntArray:
    """0, 1, 2 … within each run of equal values of a sorted array."""
    g = np.asarray(groups)
    n = len(g)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(n, dtype=bool)
    starts[1:] = g[1:] != g[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return (np.arange(n) - first).astype(np.int64)


def end_instant(end_day: int) -> int:
    """Seconds at 00:00 UTC of the end date: nothing is recorded after it."""
    return end_day * DAY
