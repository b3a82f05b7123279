"""Loading one file into the warehouse: stage, translate, check, store, all or nothing.

1. The reader streams the file into a TEMP staging table of text columns (never written to the
   warehouse file, so raw personal data never reaches it).
2. Personal-data columns are pseudonymised (a keyed hash per distinct value) or dropped.
3. One SQL statement translates the staged rows to canonical fields, parses timestamps and
   decides, per row, whether it becomes an event or goes to quarantine and why.
4. Inside one transaction: the load record, the new events (rows already stored are skipped
   by their ``event_key``), the quarantined rows, and the quality summary.

Counts always add up: ``rows_read = rows_loaded + rows_quarantined + rows_duplicate``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.columns import ACTIVITY, CANONICAL, CASE_ID, REQUIRED, START_TIMESTAMP, TIMESTAMP
from pipeline.errors import LogFormatError, MappingError
from pipeline.ingest import readers
from pipeline.ingest.mapping import Mapping, guess_mapping
from pipeline.ingest.pseudonym import load_key, pseudonym
from pipeline.ingest.quality import quality_summary
from pipeline.ingest.timeparse import needs_rewriting, timestamp_sql
from pipeline.settings import Settings
from pipeline.stopwatch import stage
from pipeline.warehouse import Warehouse, quote_ident, quote_literal

Progress = Callable[[int], None]

#: rows of the file staged per insert (~200 MB of text at most in Python at once)
STAGE_ROWS = 2_000_000
#: Files of at most this many rows first try the quick timestamp parser over every text
#: (0.35 s per million rows) and use it when it reads them all, which is most exports: the
#: full day-first parser takes DuckDB ~45 ms to prepare (two timestamp columns), most of the
#: time of a small file such as a weekly SIASN snapshot. Above it, the full parser is used
#: straight away: its preparation is then the smaller cost.
QUICK_PARSE_ROWS = 100_000

REASONS = {
    "missing_case_id": "the case id is empty",
    "missing_activity": "the activity is empty",
    "missing_timestamp": "the timestamp is empty",
    "bad_timestamp": "the timestamp does not parse as a date and time",
    "future_timestamp": "the timestamp lies in the future",
    "bad_start_timestamp": "the start timestamp does not parse as a date and time",
    "start_after_end": "the start timestamp is later than the completion timestamp",
    "ignored_activity": "the activity label is on the mapping's ignore list",
    "unknown_activity": "the activity label is not in the mapping's activities",
    "duplicate_row": "the row repeats an earlier row of the same file",
    "unreadable_row": "the row cannot be split into the header's fields",
}


@dataclass
class LoadResult:
    file: str
    load_id: int | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    already_loaded_as: int | None = None
    quality: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""  # of the file's bytes, as read


def ingest_file(wh: Warehouse, path: str | Path, mapping: Mapping | None, settings: Settings,
                *, progress: Progress | None = None, now: dt.datetime | None = None,
                snapshot_date: dt.date | None = None) -> LoadResult:
    """Load one file. Loading the same file with the same mapping again adds nothing."""
    path = Path(path)
    fmt = readers.detect_format(path)
    if not path.exists():
        raise LogFormatError("file not found", file=path, fix="Check the path.")
    with stage("file hash"):
        content_hash = readers.file_hash(path)
    previous = wh.scalar(
        "SELECT min(load_id) FROM loads WHERE content_hash = ? AND "
        "(mapping_hash = ? OR (? IS NULL AND mapping_name = 'guessed'))",
        [content_hash, mapping.hash if mapping else None, mapping.hash if mapping else None])
    if previous is not None:
        return LoadResult(file=str(path), load_id=None, already_loaded_as=int(previous),
                          sha256=content_hash)

    now = now or dt.datetime.now(dt.UTC)
    report = readers.ReadReport()
    wh.drop("stage", "canon")
    try:
        with stage("read into staging"):
            # batches go to DuckDB in groups of up to STAGE_ROWS rows: one large insert is
            # parallel and ~2.5x faster than several small ones, and memory stays bounded
            held: list[Any] = []
            for batch in readers.read_batches(
                path, fmt, report,
                delimiter=mapping.delimiter if mapping else None,
                encoding=mapping.encoding if mapping else None,
                sheet=mapping.sheet if mapping else None,
            ):
                held.append(batch)
                if sum(b.num_rows for b in held) >= STAGE_ROWS:
                    _stage(wh, held)
                if progress:
                    progress(batch.num_rows)
            _stage(wh, held)
            readers.release_memory()
        if not wh.has_table("stage") and not report.bad_rows:
            raise LogFormatError("the file has a header but no data rows", file=path,
                                 fix="Export the log again with its rows.")
        available = [c for c in (wh.columns("stage") if wh.has_table("stage") else report.columns)
                     if c != "_row"]
        mapping = mapping or guess_mapping(available, str(path), settings.timezone)
        if fmt == "xes" and wh.has_table("stage"):
            # XES attributes are optional per event: an optional field no event carries is empty
            for name, column in mapping.columns.items():
                if column not in available and name not in REQUIRED:
                    wh.execute(f"ALTER TABLE stage ADD COLUMN {quote_ident(column)} VARCHAR")
                    available.append(column)
        mapping.check_columns(available, str(path))
        if wh.has_table("stage"):
            with stage("pseudonymise"):
                _protect_personal_data(wh, mapping, settings)
            if mapping.snapshot:
                from pipeline.ingest.snapshots import snapshot_to_events

                mapping = snapshot_to_events(wh, mapping, path, snapshot_date)
            with stage("parse and validate"):
                _canonical(wh, mapping, available, now, settings)
        with wh.transaction():
            load_id = int(wh.scalar("SELECT nextval('load_id_seq')"))
            with stage("store events and quarantine"):
                result = _store(wh, load_id, path, fmt, content_hash, mapping, report, now)
            with stage("quality summary"):
                result.quality = quality_summary(wh, settings, load_id=load_id,
                                                 read_options=report.options)
            wh.execute("UPDATE loads SET quality = ? WHERE load_id = ?",
                       [json.dumps(result.quality, default=str), load_id])
        return result
    finally:
        wh.drop("stage", "canon", "_pseudonyms", "_activity_map", "_staff", "_ignore")


def _stage(wh: Warehouse, held: list[Any]) -> None:
    """Append the held batches to the staging table as one, and let them go."""
    if held:
        import pyarrow as pa

        wh.append_batch("stage", held[0] if len(held) == 1 else
                        pa.concat_tables(held, promote_options="default"))
        held.clear()


def _protect_personal_data(wh: Warehouse, mapping: Mapping, settings: Settings) -> None:
    for column in mapping.drop:
        wh.execute(f"ALTER TABLE stage DROP COLUMN {quote_ident(column)}")
    if not mapping.pseudonymise:
        return
    key = load_key(settings.pseudonym_key_file)
    import pandas as pd

    for column in mapping.pseudonymise:
        col = quote_ident(column)
        values = [r[0] for r in wh.rows(f"SELECT DISTINCT {col} FROM stage WHERE {col} IS NOT NULL")]
        table = pd.DataFrame({"raw": values, "pseudo": [pseudonym(v, key) for v in values]},
                             dtype="string")
        wh.register("_pseudonyms_df", table)
        wh.execute(f"UPDATE stage SET {col} = p.pseudo FROM _pseudonyms_df p WHERE stage.{col} = p.raw")
        wh.unregister("_pseudonyms_df")


def _field(mapping: Mapping, name: str) -> str:
    if name in mapping.columns:
        return f"nullif(trim(stage.{quote_ident(mapping.columns[name])}), '')"
    if name in mapping.constants:
        return quote_literal(mapping.constants[name])
    return "NULL::VARCHAR"


def _small_table(wh: Warehouse, name: str, rows: dict[str, str], cols: tuple[str, str]) -> None:
    import pandas as pd

    frame = pd.DataFrame({cols[0]: list(rows), cols[1]: list(rows.values())}, dtype="string")
    wh.register(name + "_df", frame)
    wh.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_df")
    wh.unregister(name + "_df")


def _canonical(wh: Warehouse, mapping: Mapping, available: list[str], now: dt.datetime,
               settings: Settings) -> None:
    """Build TEMP table ``canon``: canonical fields, parsed instants, keys and reasons."""
    _small_table(wh, "_activity_map", mapping.activities, ("raw", "step"))
    _small_table(wh, "_staff", mapping.staff, ("resource", "role"))
    _small_table(wh, "_ignore", {v: v for v in mapping.ignore}, ("raw", "same"))
    used = set(mapping.columns.values())
    extra = [c for c in available if c not in used and c not in mapping.drop]
    if mapping.attributes is not None:
        extra = [c for c in extra if c in mapping.attributes]
    attrs = ("NULL::JSON" if not extra else "json_object(" + ", ".join(
        f"{quote_literal(c)}, stage.{quote_ident(c)}" for c in extra) + ")")
    ts_raw, start_raw = _field(mapping, TIMESTAMP), _field(mapping, START_TIMESTAMP)
    tz, fmts = mapping.timezone, mapping.timestamp_format
    small = wh.scalar("SELECT count(*) FROM stage") <= QUICK_PARSE_ROWS

    def parsed(alias: str, raw: str) -> str:
        """A timestamp column's SQL: the quick parser when it reads every staged text (a
        small file; see QUICK_PARSE_ROWS), else the full day-first one."""
        quick = not fmts and (raw == "NULL::VARCHAR" or (small and not wh.scalar(
            needs_rewriting(raw, tz, "stage"))))
        return timestamp_sql(alias, tz, fmts, quick=quick)
    limit = now + dt.timedelta(minutes=settings.future_tolerance_minutes)
    has_map = bool(mapping.activities)
    quarantine_unknown = mapping.unmapped_activities == "quarantine" and has_map
    quarantine_dupes = mapping.duplicate_rows == "quarantine"

    def content(src: str, role: str) -> str:
        """What makes two rows the same event. epoch_us, not ts::VARCHAR: formatting a
        TIMESTAMPTZ goes through ICU, 100x slower. ``src``: the table the columns come from."""
        return f"""concat_ws(chr(31), {src}case_id, activity, epoch_us(ts)::VARCHAR,
                       coalesce(epoch_us(start_ts)::VARCHAR, ''), coalesce({src}resource, ''),
                       coalesce({role}, ''), coalesce({src}layanan, ''), coalesce({src}unit, ''),
                       coalesce({src}attributes::VARCHAR, ''))"""

    # one pass over the staged rows: every row its own event (occurrence 1) ...
    wh.execute(f"""
        CREATE TEMP TABLE canon AS
        WITH src AS (
            SELECT stage._row AS source_row,
                   {_field(mapping, CASE_ID)} AS case_id,
                   {_field(mapping, ACTIVITY)} AS activity_raw,
                   {ts_raw} AS ts_raw, {start_raw} AS start_raw,
                   {_field(mapping, 'resource')} AS resource,
                   {_field(mapping, 'role')} AS role_raw,
                   {_field(mapping, 'layanan')} AS layanan,
                   {_field(mapping, 'unit')} AS unit,
                   {attrs} AS attributes
            FROM stage
        ), read AS (
            SELECT src.*,
                   {parsed('ts_raw', ts_raw)} AS ts,
                   {parsed('start_raw', start_raw)} AS start_ts,
                   coalesce(m.step, src.activity_raw) AS activity,
                   m.step IS NULL AS unmapped,
                   i.raw IS NOT NULL AS ignored,
                   coalesce(src.role_raw, s.role) AS role
            FROM src
            LEFT JOIN _activity_map m ON m.raw = src.activity_raw
            LEFT JOIN _ignore i ON i.raw = src.activity_raw
            LEFT JOIN _staff s ON s.resource = src.resource
        ), parsed AS (
            -- the key in a SELECT of its own: naming ts in the SELECT that defines it would
            -- repeat (and prepare again) the whole timestamp parser
            SELECT read.*, md5_number({content("read.", "read.role")}) AS event_key,
                   1 AS occurrence
            FROM read
        )
        SELECT *,
            CASE
                WHEN case_id IS NULL THEN 'missing_case_id'
                WHEN activity_raw IS NULL THEN 'missing_activity'
                WHEN ts_raw IS NULL THEN 'missing_timestamp'
                WHEN ts IS NULL THEN 'bad_timestamp'
                WHEN ts > {quote_literal(limit.isoformat())}::TIMESTAMPTZ THEN 'future_timestamp'
                WHEN start_raw IS NOT NULL AND start_ts IS NULL THEN 'bad_start_timestamp'
                WHEN start_ts > ts THEN 'start_after_end'
                WHEN ignored THEN 'ignored_activity'
                WHEN {str(quarantine_unknown).lower()} AND unmapped THEN 'unknown_activity'
            END AS reason_code
        FROM parsed
    """)
    # ... then the rows whose content repeats in the file (few): the n-th identical row keeps
    # its own key, the content hashed again with its number (never a UHUGEINT cast to text:
    # slow), and is quarantined when the mapping says so. No window over the whole file.
    dupes = quote_literal("duplicate_row") if quarantine_dupes else "reason_code"
    wh.execute(f"""
        UPDATE canon SET occurrence = r.occurrence,
               event_key = md5_number({content("canon.", "canon.role")} || '#'
                                      || r.occurrence::VARCHAR),
               reason_code = coalesce(canon.reason_code, {dupes})
        FROM (SELECT source_row, row_number() OVER (PARTITION BY event_key
                                                    ORDER BY source_row) AS occurrence
              FROM canon WHERE event_key IN (
                  SELECT event_key FROM canon GROUP BY event_key HAVING count(*) > 1)) r
        WHERE canon.source_row = r.source_row AND r.occurrence > 1""")


def _reason_text_sql() -> str:
    cases = " ".join(
        f"WHEN {quote_literal(code)} THEN {quote_literal(text)}" for code, text in REASONS.items())
    detail = ("CASE reason_code "
              "WHEN 'bad_timestamp' THEN ': ' || quote_text(ts_raw) || '. Write ISO 8601 or day-first "
              "(05/03/2025 14:30), or set timestamp_format in the mapping' "
              "WHEN 'bad_start_timestamp' THEN ': ' || quote_text(start_raw) "
              "WHEN 'future_timestamp' THEN ': ' || quote_text(ts_raw) || '. Check the export''s clock "
              "and time zone' "
              "WHEN 'unknown_activity' THEN ': ' || quote_text(activity_raw) || '. Add it under "
              "activities or ignore in the mapping' "
              "WHEN 'ignored_activity' THEN ': ' || quote_text(activity_raw) "
              "ELSE '' END")
    return f"(CASE reason_code {cases} END) || {detail}"


def _store(wh: Warehouse, load_id: int, path: Path, fmt: str, content_hash: str,
           mapping: Mapping, report: readers.ReadReport, now: dt.datetime) -> LoadResult:
    result = LoadResult(file=str(path), load_id=load_id, sha256=content_hash)
    wh.execute("CREATE OR REPLACE TEMP MACRO quote_text(x) AS '''' || coalesce(x, '') || ''''")
    file_name = quote_literal(path.name)
    if wh.has_table("canon"):
        wh.execute(f"""
            INSERT INTO events
            SELECT event_key, {load_id}, source_row, case_id, activity, activity_raw, ts, start_ts,
                   resource, role, layanan, unit, attributes
            FROM canon
            WHERE reason_code IS NULL AND event_key NOT IN (SELECT event_key FROM events)
        """)
        raw_cols = [c for c in wh.columns("stage") if c != "_row"]
        raw = "json_object(" + ", ".join(
            f"{quote_literal(c)}, stage.{quote_ident(c)}" for c in raw_cols) + ")"
        wh.execute(f"""
            INSERT INTO quarantine
            SELECT {load_id}, {file_name}, canon.source_row, reason_code, {_reason_text_sql()}, {raw}
            FROM canon JOIN stage ON stage._row = canon.source_row
            WHERE reason_code IS NOT NULL
        """)
        counts = wh.rows("""
            SELECT count(*),
                   count(*) FILTER (WHERE reason_code IS NOT NULL),
                   count(*) FILTER (WHERE reason_code IS NULL AND event_key IN (
                        SELECT event_key FROM events WHERE load_id <> ?))
            FROM canon""", [load_id])[0]
        result.rows_read, result.rows_quarantined, result.rows_duplicate = (int(c) for c in counts)
    personal = bool(mapping.pseudonymise or mapping.drop)
    for row, reason, text in report.bad_rows:
        # a row that cannot be split cannot be pseudonymised field by field: keep its text
        # only when the mapping declares no personal data
        kept = {"_text": "(withheld: the mapping declares personal data)" if personal else text}
        wh.execute("INSERT INTO quarantine VALUES (?, ?, ?, 'unreadable_row', ?, ?)",
                   [load_id, path.name, row, f"{REASONS['unreadable_row']}: {reason}",
                    json.dumps(kept)])
    result.rows_read += len(report.bad_rows)
    result.rows_quarantined += len(report.bad_rows)
    result.rows_loaded = result.rows_read - result.rows_quarantined - result.rows_duplicate
    wh.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [load_id, path.name, str(path.resolve()), content_hash, fmt, mapping.name, mapping.hash,
         mapping.text, result.rows_read, result.rows_loaded, result.rows_quarantined,
         result.rows_duplicate, now])
    return result


def snapshot_date_of(path: Path, mapping: Mapping) -> dt.date | None:
    """The date of a status snapshot taken from its file name, if the mapping says so."""
    if not mapping.snapshot or not mapping.snapshot.date_from_filename:
        return None
    match = re.search(mapping.snapshot.date_from_filename, path.name)
    if not match:
        raise MappingError(
            f"the snapshot date pattern {mapping.snapshot.date_from_filename!r} does not match the "
            "file name", file=path, fix="Name snapshot files with their date, e.g. usulan_2025-03-05.csv.")
    try:
        return dt.date.fromisoformat(match.group(1) if match.groups() else match.group(0))
    except ValueError:
        raise MappingError(f"'{match.group(0)}' in the file name is not a date (YYYY-MM-DD)",
                           file=path, fix="Name snapshot files like usulan_2025-03-05.csv.") from None


__all__ = ["CANONICAL", "LoadResult", "ingest_file", "snapshot_date_of"]
