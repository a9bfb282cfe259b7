"""``python -m metrics``: the health report of the configured database.

    python -m metrics --as-of 2025-12-31 [--chapter ID] [--program ID]
                      [--period fiscal-year|calendar-year|quarter|month|trailing-12]
                      [--fy-start-month M] [--active-window-days N] --json

Reads the database named by DATABASE_URL (or the embedded one) as its
owner, so it is an operator's tool: for scripts, scheduled board packs and
other programs. Without ``--json`` it prints a short summary. The period
is the one that contains ``--as-of`` (default: its fiscal year, to date).
Exit status 2 on invalid arguments, 1 when the database cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from metrics.periods import Period, fiscal_year_of
from metrics.report import health_report
from metrics.report_types import HealthReport, ReportParams

PeriodKind = Literal["fiscal-year", "calendar-year", "quarter", "month", "trailing-12"]


class CommandArgs(BaseModel):
    """The command line, validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    chapter: int | None = Field(default=None, ge=1)
    program: int | None = Field(default=None, ge=1)
    period: PeriodKind = "fiscal-year"
    fy_start_month: int | None = Field(default=None, ge=1, le=12)
    active_window_days: int = Field(default=90, ge=1, le=3660)
    json_output: bool = False


def period_for(kind: PeriodKind, as_of: date, fy_start_month: int) -> Period:
    """The period of `kind` that contains `as_of`."""
    if kind == "fiscal-year":
        return Period.fiscal_year(fiscal_year_of(as_of, fy_start_month), fy_start_month)
    if kind == "calendar-year":
        return Period.calendar_year(as_of.year)
    if kind == "quarter":
        return Period.quarter(as_of.year, (as_of.month - 1) // 3 + 1)
    if kind == "month":
        return Period.month(as_of.year, as_of.month)
    return Period.trailing_months(as_of, 12)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m metrics", description="The movement's health report.")
    p.add_argument("--as-of", required=True, help="the report's date, YYYY-MM-DD")
    p.add_argument("--chapter", type=int, help="a chapter id: that chapter and all below it")
    p.add_argument("--program", type=int, help="a program id")
    p.add_argument(
        "--period",
        default="fiscal-year",
        choices=["fiscal-year", "calendar-year", "quarter", "month", "trailing-12"],
        help="the period containing --as-of (default: fiscal-year, to date)",
    )
    p.add_argument(
        "--fy-start-month", type=int, help="first month of the fiscal year (default: the settings')"
    )
    p.add_argument("--active-window-days", type=int, default=90, help="trailing days for the active ratio")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    return p


def _messages(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err["loc"]).replace("_", "-")
        lines.append(f"--{where}: {err['msg']}")
    return "\n".join(lines)


def summary(report: HealthReport) -> str:
    """A few readable lines: scope, score, KPIs and alerts."""
    lines = [
        f"{report.scope_label} · {report.period.label()} (through {report.through.isoformat()})",
        f"Health score: {_show(report.health.score.value, report.health.score.reason)}",
    ]
    for k in report.kpis:
        lines.append(
            f"  {k.label}: {_show(k.value.value, k.value.reason)}  (before: {_show(k.previous.value, None)})"
        )
    for a in report.alerts:
        lines.append(f"! {a.title}: {a.message}")
    lines.extend(f"· {n}" for n in report.notes)
    return "\n".join(lines)


def _show(value: float | None, reason: str | None) -> str:
    if value is None:
        return f"— ({reason})" if reason else "—"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def main(argv: list[str] | None = None) -> int:
    ns = _parser().parse_args(argv)
    try:
        args = CommandArgs(
            as_of=ns.as_of,
            chapter=ns.chapter,
            program=ns.program,
            period=ns.period,
            fy_start_month=ns.fy_start_month,
            active_window_days=ns.active_window_days,
            json_output=ns.json,
        )
    except ValidationError as exc:
        print(_messages(exc), file=sys.stderr)
        return 2

    # Only this entry touches the database; the metrics stay pure.
    from db.report_frames import load_report_frames

    try:
        frames = load_report_frames(None, as_of=args.as_of)
    except Exception as exc:  # the operator needs the cause, not a traceback
        print(f"could not read the database: {exc}", file=sys.stderr)
        return 1
    settings_fy = int(frames.settings["fiscal_year_start_month"][0]) if frames.settings.height else 1
    fy = args.fy_start_month or settings_fy
    params = ReportParams(fy_start_month=fy, active_window_days=args.active_window_days)
    if args.chapter is not None and args.chapter not in frames.chapters["id"].to_list():
        print(f"--chapter: there is no chapter {args.chapter} (founded by {args.as_of})", file=sys.stderr)
        return 2
    if args.program is not None and args.program not in frames.programs["id"].to_list():
        print(f"--program: there is no program {args.program}", file=sys.stderr)
        return 2
    report = health_report(
        frames,
        as_of=args.as_of,
        period=period_for(args.period, args.as_of, fy),
        chapter_id=args.chapter,
        program_id=args.program,
        params=params,
    )
    if args.json_output:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(summary(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
