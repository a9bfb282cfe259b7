"""Survey answers for coordinators: import a form tool's CSV export of the
empathy questionnaire (with a mapping of its columns), and see the answers
stored for a program or event with their TEQ scores."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import dates
from components.feedback import show_errors
from components.page_start import coordinator_page
from components.tables import wide_table
from db.chapters import list_chapters
from db.errors import InvalidDataError, NotAllowedError
from db.surveys import import_responses, list_responses, survey_targets
from imports.survey_csv import (
    MAX_IMPORT_BYTES,
    ImportReport,
    read_csv_export,
    suggest_mapping,
    validate_import,
)
from imports.text import UnreadableFile
from metrics.impact import paired_scores, teq_scores
from models.surveys import PRACTICE_LABELS, TEQ_ITEMS, WAVE_LABELS, ImportMapping

REPORT = "import_surveys_report"
NONE = "— none —"
FROM_COLUMN = "from_column"

user, today = coordinator_page("Survey answers")


chapters = list_chapters(user.identity)
editable_ids = set(chapters.filter(pl.col("can_edit"))["id"].to_list())
paths = {int(r["id"]): str(r["path"]) for r in chapters.iter_rows(named=True)}
targets = survey_targets(user.identity).filter(
    pl.col("chapter_id").is_null() | pl.col("chapter_id").is_in(list(editable_ids))
)
target_rows = {(str(r["kind"]), int(r["id"])): r for r in targets.iter_rows(named=True)}


def target_label(key: tuple[str, int]) -> str:
    return ("Event: " if key[0] == "event" else "Program: ") + str(target_rows[key]["label"])


def score_columns() -> list[pl.Expr]:
    """The columns of a table of scored answers, as people read them."""
    return [
        pl.col("respondent_code").alias("Code"),
        pl.col("wave").replace_strict(WAVE_LABELS).alias("Survey"),
        dates.day_expr("answered_on", today).fill_null("").alias("Answered"),
        pl.col("teq").alias("TEQ score (0–64)"),
        pl.col("practice").replace_strict(PRACTICE_LABELS, default=None).alias("Practice"),
    ]


tab_import, tab_stored = st.tabs(["Import a CSV export", "Answers stored"])


def import_tab() -> None:  # noqa: C901 - the steps of one form, top to bottom
    st.markdown(
        "Export the responses of your form (Google Forms, Microsoft Forms, Typeform …) as **CSV** and "
        "upload it here. Each statement's column is found by its wording; check the mapping, then import. "
        "The whole file is imported or nothing is, and every row with a problem is listed. Imported answers "
        "are anonymous: only the participant code pairs them."
    )
    if not target_rows:
        st.info("There is no program or event of your chapters to import answers for.")
        return
    c1, c2 = st.columns([3, 2])
    target = c1.selectbox(
        "The answers are about",
        list(target_rows),
        format_func=target_label,
        index=None,
        placeholder="Choose the program or event",
        key="import_target",
    )
    wave_choice = c2.selectbox(
        "Survey",
        [*WAVE_LABELS, FROM_COLUMN],
        format_func=lambda w: "A column of the file says" if w == FROM_COLUMN else WAVE_LABELS[w],
        key="import_wave",
    )
    chapter_id: int | None = None
    if target is not None:
        chapter_id = target_rows[target]["chapter_id"]
        if chapter_id is None:
            chapter_id = st.selectbox(
                "Chapter whose participants answered",
                sorted(editable_ids, key=lambda i: paths[i]),
                format_func=lambda i: paths[i],
                key="import_chapter",
            )
    upload = st.file_uploader(
        "CSV export",
        type=["csv", "txt"],
        key="import_file",
        max_upload_size=max(1, MAX_IMPORT_BYTES // 1_000_000),
    )
    if upload is None or target is None:
        st.caption("Choose the program or event and a file to continue.")
    else:
        try:
            export = read_csv_export(upload.getvalue())
        except UnreadableFile as exc:
            show_errors(exc)
            return
        st.write(f"**{len(export.rows)}** rows, **{len(export.headers)}** columns.")
        st.dataframe(
            pl.DataFrame([list(r) for r in export.rows[:5]], schema=list(export.headers), orient="row"),
            hide_index=True,
            key="import_preview",
        )
        guess = suggest_mapping(export.headers)
        headers = list(export.headers)
        optional = [NONE, *headers]

        def pick(label: str, key: str, guessed: str | None, *, required: bool) -> str | None:
            options = headers if required else optional
            index = options.index(guessed) if guessed in options else (None if required else 0)
            value = st.selectbox(label, options, index=index, key=key, placeholder="Choose a column")
            return None if value in (None, NONE) else str(value)

        with st.form("import_mapping"):
            st.markdown("**Columns**")
            c1, c2, c3 = st.columns(3)
            with c1:
                code_col = pick("Participant code", "import_code_col", guess["code_column"], required=True)
            with c2:
                date_col = pick("Date answered", "import_date_col", guess["date_column"], required=False)
            with c3:
                practice_col = pick(
                    "Practice question", "import_practice_col", guess["practice_column"], required=False
                )
            wave_col = None
            if wave_choice == FROM_COLUMN:
                wave_col = pick(
                    "Survey (pre, post, follow-up)", "import_wave_col", guess["wave_column"], required=True
                )
            c1, c2, c3 = st.columns(3)
            fixed_date = c1.date_input(
                "Date for every row (when no date column)",
                value=None,
                key="import_fixed_date",
                format=dates.input_format(),
            )
            scale = c2.radio(
                "Answers given as numbers run",
                ["1-5", "0-4"],
                format_func=lambda s: "1 (Never) to 5 (Always)" if s == "1-5" else "0 (Never) to 4 (Always)",
                key="import_scale",
            )
            day_first = c3.checkbox("Dates are written day first (31/12/2025)", key="import_day_first")
            found = sum(c is not None for c in guess["item_columns"])
            item_cols: list[str | None] = []
            # Collapsed when every statement's column was found by its wording.
            with st.expander(f"The 16 statements: {found} of 16 columns found", expanded=found < 16):
                for i, wording in enumerate(TEQ_ITEMS, start=1):
                    item_cols.append(
                        pick(
                            f"{i}. {wording}",
                            f"import_item_{i:02d}",
                            guess["item_columns"][i - 1],
                            required=True,
                        )
                    )
            b1, b2 = st.columns(2)
            check = b1.form_submit_button("Check the file", key="import_check")
            run = b2.form_submit_button("Import", type="primary", key="import_run")
        if check or run:
            st.session_state.pop(REPORT, None)
            try:
                mapping = ImportMapping.model_validate(
                    {
                        "item_columns": tuple(c or "" for c in item_cols),
                        "code_column": code_col or "",
                        "wave_column": wave_col,
                        "date_column": date_col,
                        "practice_column": practice_col,
                        "numeric_scale": scale,
                        "day_first": day_first,
                        "wave": None if wave_choice == FROM_COLUMN else wave_choice,
                        "answered_on": fixed_date,
                        "chapter_id": chapter_id,
                        "program_id": target_rows[target]["program_id"],
                        "event_id": target[1] if target[0] == "event" else None,
                    }
                )
                report = (
                    import_responses(user.identity, export, mapping)
                    if run
                    else validate_import(export, mapping)
                )
            except (ValidationError, UnreadableFile, InvalidDataError, NotAllowedError) as exc:
                show_errors(exc)
            else:
                st.session_state[REPORT] = (bool(run), report)
        shown = st.session_state.get(REPORT)
        if shown is not None:
            ran, report = shown
            assert isinstance(report, ImportReport)
            if report.errors:
                st.error(
                    f"Nothing was imported: {len({e.row for e in report.errors})} of {report.rows_read} rows "
                    "need correcting.",
                    icon=":material/error:",
                )
                wide_table(
                    pl.DataFrame(
                        {"Row": [e.row for e in report.errors], "Problem": [e.message for e in report.errors]}
                    ),
                    key="import_errors",
                )
            else:
                if ran:
                    st.success(f"{report.inserted} answers are imported.", icon=":material/check_circle:")
                else:
                    st.info(f"All {report.rows_read} rows are fine. Press Import to store them.")
                checked = pl.DataFrame(
                    [
                        {
                            "respondent_code": r.respondent_code,
                            "wave": r.wave,
                            "answered_on": r.answered_on,
                            "practice": r.practice,
                            **r.item_values(),
                        }
                        for r in report.responses
                    ]
                )
                scored = teq_scores(checked).collect()
                wide_table(scored.select(*score_columns()), key="import_scored")


with tab_import:
    import_tab()

with tab_stored:
    all_targets = survey_targets(user.identity)
    stored_rows = {(str(r["kind"]), int(r["id"])): r for r in all_targets.iter_rows(named=True)}
    which = st.selectbox(
        "Program or event",
        list(stored_rows),
        format_func=lambda k: ("Event: " if k[0] == "event" else "Program: ") + str(stored_rows[k]["label"]),
        index=None,
        placeholder="Choose the program or event",
        key="stored_target",
    )
    if which is not None:
        filters: dict[str, Any] = (
            {"program_id": which[1]} if which[0] == "program" else {"event_id": which[1]}
        )
        answers = list_responses(user.identity, **filters)
        if answers.is_empty():
            st.info("No answers you may see are stored for it yet.")
        else:
            scored = teq_scores(answers).collect()
            pairs = paired_scores(answers).collect()
            by_wave = scored.group_by("wave").agg(pl.len().alias("n"), pl.col("teq").mean().alias("mean"))
            cols = st.columns(4)
            for col, wave in zip(cols, ("pre", "post", "follow_up"), strict=False):
                row = by_wave.filter(wave=wave)
                n = int(row["n"].sum()) if not row.is_empty() else 0
                mean = f" · mean {row['mean'].item():.1f}" if n else ""
                col.metric(WAVE_LABELS[wave], f"{n} answers", mean or None, delta_color="off")
            cols[3].metric("Paired pre/post", pairs.height)
            wide_table(
                scored.select(
                    *score_columns(),
                    pl.col("chapter_name").alias("Chapter"),
                    pl.col("anonymous").alias("Anonymous"),
                ),
                key="stored_table",
            )
            st.caption("Pre and post answers are paired by participant code within a program, never by name.")
