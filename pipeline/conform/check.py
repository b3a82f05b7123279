"""``check``: every case in the warehouse against the SOP version in force, results stored.

1. Each case gets its ``layanan`` (the first one its events name; the only one of the library
   when the log names none) and the version in force on the local date of its first event.
   Cases without an SOP are kept, with a note.
2. Per model version, the distinct variants are aligned once (cached, :mod:`.cache`); a case
   is open (``berjalan``) when none of its events is an end step, and is then aligned as a
   prefix. Moves and sequence rules become deviations per variant (:mod:`.flow`).
3. The per-case checks (roles, segregation of duties, step times, the service promise) run
   set-based over the events (:mod:`.checks`).
4. One run is stored: ``check_runs``, and its rows in ``case_result_rows`` and
   ``deviation_rows`` (read through the views ``case_results`` and ``deviations``). Finished
   cases an earlier run already judged, and that nothing new touches, are not computed
   again: their rows are extended to the new run (:func:`_reusable`, :func:`_keep`).

The events never come to Python as a whole: cases, numbered events and deviation rows are
TEMP tables (``_chk_*``, dropped at the end), variants are the distinct traces of a model,
and Python sees only variants, the events a check finds and one row per case for the
calendar arithmetic. Stages are timed for ``--timings`` (:mod:`pipeline.stopwatch`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import calendar as wc
from pipeline.calendar import WorkingCalendar, calendar_from_settings
from pipeline.conform.cache import alignments, variant_hash
from pipeline.conform.checks import CASE_CHECKS, ROW_COLUMNS, Scope, service_tables
from pipeline.conform.checks import sla_breach as sla_rows
from pipeline.conform.flow import variant_findings
from pipeline.conform.model import ModelView
from pipeline.conform.rules import CODE_NAMES
from pipeline.errors import ConfigError, SopError, WarehouseError
from pipeline.settings import Settings
from pipeline.sop import DeclaredModel, SopLibrary
from pipeline.stopwatch import stage
from pipeline.texts import check_language, text
from pipeline.warehouse import Warehouse

SEP = "\x1f"  # joins a case's activities into one text inside the SQL
_ORDER = "timestamp, load_id, source_row"


@dataclass(frozen=True)
class CheckResult:
    """What one check run did: its id, report date and counts."""

    run_id: int
    as_of: pd.Timestamp
    cases: int
    cases_without_sop: int
    deviations: int
    variants: int
    variants_aligned: int
    per_code: Mapping[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cases_reused: int = 0  # finished cases whose results an earlier run already holds


def parse_as_of(value: Any, timezone: str) -> pd.Timestamp:
    """A report date: a timestamp, or text such as ``2025-03-31`` or ``2025-03-31 16:00``
    (naive values are read in ``timezone``; a date alone means the end of that day)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ConfigError(f"--as-of '{value}' is not a date or time; write it like 2025-03-31 "
                          "or 2025-03-31T16:00+07:00.") from None
    if isinstance(value, str) and len(value.strip()) == 10:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return ts.tz_localize(timezone) if ts.tzinfo is None else ts


#: the columns of ``events`` a check reads
_CHECKED = ("case_id, activity, timestamp, start_timestamp, resource, role, layanan, unit, "
            "load_id, source_row")


def _parameters(settings: Settings, closed: bool, staff: Mapping[str, str] | None,
                max_load: int) -> dict[str, Any]:
    staff_key = json.dumps(sorted(dict(staff or {}).items()))
    return {"closed": closed, "timezone": settings.timezone, "max_load_id": max_load,
            "staff": hashlib.sha256(staff_key.encode()).hexdigest()[:16],
            "calendars": hashlib.sha256(json.dumps(settings.calendars, sort_keys=True,
                                                   default=str).encode()).hexdigest()[:16]}


def _same_models(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> bool:
    """The same model versions (by content hash, name and date), wherever their files are:
    a monthly re-check may name the SOP folder by another path."""
    def key(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in m.items() if k != "file"} for m in models]

    return key(old) == key(new)


def _reusable(wh: Warehouse, models: list[dict[str, Any]], params: dict[str, Any],
              language: str, cut: pd.Timestamp) -> int | None:
    """Fill TEMP table ``_todo`` with the cases a new run must compute, and return the run
    whose results it reuses for every other case (None: compute everything; ``_todo`` is
    then empty and unused).

    A previous run qualifies when it used the same models, language and parameters and an
    earlier or equal report date. A case is reused when that run found it finished, and no
    event of it was loaded after that run or lies after that run's report date: nothing that
    decides its result (its events, SOP version, calendar, the report date for open cases)
    can have changed. Open cases are always checked again: their promise runs on. Every other
    case of the warehouse is either in that run or has such a new event, so ``_todo`` comes
    from the run's unfinished cases and the new events alone, each found by a scan the
    warehouse can skip most of (events are stored in load order; old loads end before the
    old report date). The reused cases are the run's cases not in ``_todo`` (not listed:
    at ten million events they are 1.4 million).
    """
    wh.execute("CREATE OR REPLACE TEMP TABLE _todo (case_id VARCHAR)")
    same = {k: v for k, v in params.items() if k != "max_load_id"}
    previous = None
    for run_id, as_of, lang, raw_params, raw_models in wh.rows(
            "SELECT run_id, as_of, language, parameters, models FROM check_runs "
            "ORDER BY run_id DESC LIMIT 20"):
        old = json.loads(raw_params or "{}")
        if (lang == language and _same_models(json.loads(raw_models or "[]"), models)
                and {k: old.get(k) for k in same} == same and "max_load_id" in old
                and as_of is not None and pd.Timestamp(as_of) <= cut):
            previous = (int(run_id), int(old["max_load_id"]), as_of)
            break
    if previous is None:
        return None
    run_id, max_load, as_of = previous
    wh.execute("""
        INSERT INTO _todo
        SELECT case_id FROM events WHERE load_id > $load
        UNION SELECT case_id FROM events WHERE timestamp > $as_of
        UNION SELECT case_id FROM case_results
              WHERE run_id = $run AND (status IS NULL OR status = 'berjalan')""",
               {"load": max_load, "as_of": as_of, "run": run_id})
    return run_id


def _assign_models(pairs: pd.DataFrame, library: SopLibrary, language: str
                   ) -> tuple[list[DeclaredModel | None], list[str | None]]:
    """The model in force for each (layanan, local date of the first event), or a note
    saying why there is none."""
    only = library.layanan[0] if len(library.layanan) == 1 else None
    models: list[DeclaredModel | None] = []
    notes: list[str | None] = []
    for name, day in zip(pairs["layanan"], pairs["day"], strict=True):
        if name is None or pd.isna(name):
            name = only
        if name is None:
            model, note = None, text("no_layanan", language)
        elif name not in library.layanan:
            model, note = None, text("no_sop", language, layanan=name)
        else:
            try:
                model, note = library.in_force(name, day), None
            except SopError:
                model, note = None, text("not_in_force", language, layanan=name,
                                         tanggal=day.isoformat())
        models.append(model)
        notes.append(note)
    return models, notes


def _calendars(settings: Settings, kalender: str, units: pd.Series,
               made: dict[tuple[str, str | None], WorkingCalendar]) -> dict[str, WorkingCalendar]:
    """unit -> calendar (``default`` for the rest); ``made`` keeps them across models."""
    def one(unit: str | None) -> WorkingCalendar:
        if (kalender, unit) not in made:
            made[kalender, unit] = calendar_from_settings(settings, kalender, unit)
        return made[kalender, unit]

    cals = {"default": one(None)}
    for unit in sorted({str(u) for u in units.dropna()}):
        cals[unit] = one(unit)
    return cals


def _case_table(wh: Warehouse, cut: pd.Timestamp, library: SopLibrary, settings: Settings,
                language: str, source: str) -> dict[int, ModelView]:
    """TEMP table ``_chk_cases``: one row per case to check (trace, counts, first and last
    instant, layanan, unit, the number of its model version or -1, a note), and the model
    versions by number. Versions are chosen once per (layanan, local date), not per case.
    ``source``: the table of events to read (:func:`_source`)."""
    wh.execute(f"""
        CREATE OR REPLACE TEMP TABLE _chk_cf AS
        SELECT case_id,
               string_agg(activity, chr(31) ORDER BY {_ORDER}) AS trace,
               count(*)::INTEGER AS events,
               min(timestamp) AS first_ts,
               max(timestamp) AS last_ts,
               -- the first non-empty value in the stable order
               arg_min(layanan, ({_ORDER})) FILTER (WHERE layanan IS NOT NULL) AS layanan,
               arg_min(unit, ({_ORDER})) FILTER (WHERE unit IS NOT NULL) AS unit,
               -- the local date of the first event, once per case
               CAST(timezone(?, min(timestamp)) AS DATE) AS day
        FROM {source} WHERE timestamp <= ? GROUP BY case_id""",
               [settings.timezone, cut.to_pydatetime()])
    pairs = wh.df("""SELECT DISTINCT layanan, day FROM _chk_cf
                     ORDER BY layanan NULLS FIRST, day""")
    pairs["day"] = pd.to_datetime(pairs["day"]).dt.date
    models, notes = _assign_models(pairs, library, language)
    views: dict[int, ModelView] = {}
    number: dict[int, int] = {}
    ordered = sorted({id(m): m for m in models if m is not None}.values(),
                     key=lambda m: (m.layanan, str(m.tanggal_efektif)))
    for k, m in enumerate(ordered):
        number[id(m)] = k
        views[k] = ModelView.of(m)
    chosen = pd.DataFrame({
        "layanan": pairs["layanan"].astype(object), "day": pairs["day"],
        "model": pd.Series([number[id(m)] if m is not None else -1 for m in models],
                           dtype="int64"),
        "layanan_out": pd.Series([m.layanan if m is not None else lay for m, lay in
                                  zip(models, pairs["layanan"], strict=True)], dtype=object),
        "catatan": pd.Series(notes, dtype=object)})
    with wh.registered("_chk_chosen", chosen):
        wh.execute("""
            CREATE OR REPLACE TEMP TABLE _chk_cases AS
            SELECT c.case_id, c.trace, c.events, c.first_ts, c.last_ts,
                   m.layanan_out::VARCHAR AS layanan, c.unit, m.model::INTEGER AS model,
                   m.catatan::VARCHAR AS catatan
            FROM _chk_cf c JOIN _chk_chosen m
              ON c.layanan IS NOT DISTINCT FROM m.layanan AND c.day = m.day""")
    wh.execute("DROP TABLE _chk_cf")
    return views


def _source(wh: Warehouse, cut: pd.Timestamp, reusing: bool) -> str:
    """The table the check reads events from: ``events`` itself, or when most results are
    reused, TEMP table ``_chk_src`` with only the events of the cases in ``_todo`` (one scan
    of the warehouse instead of one per step)."""
    if not reusing:
        return "events"
    wh.execute(f"""CREATE OR REPLACE TEMP TABLE _chk_src AS SELECT {_CHECKED} FROM events
                   WHERE timestamp <= ? AND case_id IN (SELECT case_id FROM _todo)""",
               [cut.to_pydatetime()])
    return "_chk_src"


def _event_table(wh: Warehouse, cut: pd.Timestamp, staff: Mapping[str, str] | None,
                 source: str) -> None:
    """TEMP table ``_chk_ev``: the events of the cases that have a model, numbered within
    their case (``pos``), with the previous event's time, the case's unit and model."""
    role, join = "e.role", ""
    staff_table = pd.DataFrame({"resource": list(staff or {}),
                                "staff_role": list((staff or {}).values())}, dtype=object)
    if staff:
        role, join = ("coalesce(e.role, s.staff_role)",
                      "LEFT JOIN _chk_staff s ON s.resource = e.resource")
    with wh.registered("_chk_staff", staff_table):
        wh.execute(f"""
            CREATE OR REPLACE TEMP TABLE _chk_ev AS
            SELECT e.case_id, (row_number() OVER w - 1)::INTEGER AS pos, e.activity,
                   e.timestamp, e.start_timestamp, lag(e.timestamp) OVER w AS prev_ts,
                   e.resource, {role} AS role, c.unit, c.model,
                   row_number() OVER w = c.events AS is_last
            FROM {source} e JOIN _chk_cases c USING (case_id) {join}
            WHERE e.timestamp <= ? AND c.model >= 0
            WINDOW w AS (PARTITION BY e.case_id ORDER BY e.{_ORDER.replace(', ', ', e.')})""",
                   [cut.to_pydatetime()])


def _variants(wh: Warehouse, views: Mapping[int, ModelView], language: str, closed: bool,
              workers: int | None) -> tuple[int, int]:
    """Align each distinct (model, trace) once and turn its moves into deviations: TEMP
    tables ``_chk_vf`` (model, trace, variant_hash, fitness, status, open) and ``_chk_vfind``
    (model, trace, jenis, langkah, event, at, keterangan). Returns (variants, aligned)."""
    facts: list[tuple[Any, ...]] = []
    found_rows: list[tuple[Any, ...]] = []
    variants = aligned = 0
    for k, view in views.items():
        with stage("trace list"):
            traces = {t: tuple(t.split(SEP)) for (t,) in wh.rows(
                "SELECT DISTINCT trace FROM _chk_cases WHERE model = ? ORDER BY trace", [k])}
        ends = view.end_steps
        prefix = {t: not closed and not any(a in ends for a in acts)
                  for t, acts in traces.items()}
        with stage("alignments"):
            found, new = alignments(wh, view, [(acts, prefix[t]) for t, acts in traces.items()],
                                    workers=workers)
        with stage("variant findings"):
            for t, acts in traces.items():
                key = (variant_hash(acts), prefix[t])
                alignment = found[key]
                status = "berjalan" if prefix[t] else next(
                    (ends[a] for a in reversed(acts) if a in ends), "selesai")
                facts.append((k, t, key[0], alignment.fitness, status, prefix[t]))
                for f in variant_findings(view, acts, alignment, language):
                    found_rows.append((k, t, f.jenis, f.langkah or None, f.event, f.at,
                                       f.keterangan))
        variants += len(traces)
        aligned += new
    vf = pa.table({name: pa.array(values, type) for name, values, type in zip(
        ["model", "trace", "variant_hash", "fitness", "status", "open"],
        zip(*facts, strict=True) if facts else [[]] * 6,
        [pa.int32(), pa.string(), pa.string(), pa.float64(), pa.string(), pa.bool_()],
        strict=True)})
    vfind = pa.table({name: pa.array(values, type) for name, values, type in zip(
        ["model", "trace", "jenis", "langkah", "event", "at", "keterangan"],
        zip(*found_rows, strict=True) if found_rows else [[]] * 7,
        [pa.int32(), pa.string(), pa.string(), pa.string(), pa.int32(), pa.int32(),
         pa.string()], strict=True)})
    for name, table in (("_chk_vf", vf), ("_chk_vfind", vfind)):
        with wh.registered(f"{name}_in", table):
            wh.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_in")
    return variants, aligned


_ROWS_TABLE = """CREATE OR REPLACE TEMP TABLE _chk_rows (case_id VARCHAR, pos BIGINT,
    jenis VARCHAR, langkah VARCHAR, aktivitas VARCHAR, waktu TIMESTAMPTZ, keterangan VARCHAR)"""


def _expand(wh: Warehouse) -> None:
    """Variant deviations -> one row per case in ``_chk_rows``, with the activity and time of
    their events."""
    wh.execute("""
        INSERT INTO _chk_rows
        SELECT c.case_id, (CASE WHEN f.at >= 0 THEN f.at ELSE f.event END)::BIGINT, f.jenis,
               f.langkah, a.activity, w.timestamp, f.keterangan
        FROM _chk_cases c JOIN _chk_vfind f ON f.model = c.model AND f.trace = c.trace
        LEFT JOIN _chk_ev a ON a.case_id = c.case_id AND a.pos = f.event
        LEFT JOIN _chk_ev w ON w.case_id = c.case_id AND w.pos = f.at""")


def _add_rows(wh: Warehouse, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    with wh.registered("_chk_new_rows", rows[ROW_COLUMNS]):
        wh.execute("INSERT INTO _chk_rows SELECT * FROM _chk_new_rows")


def _scopes(wh: Warehouse, views: Mapping[int, ModelView], settings: Settings,
            as_of: pd.Timestamp, language: str) -> list[Scope]:
    """One :class:`Scope` per model version, its cases read in one query for all."""
    cases = wh.df("""SELECT c.model, c.case_id, c.unit, c.events, c.first_ts, c.last_ts, v.open
                     FROM _chk_cases c JOIN _chk_vf v ON v.model = c.model AND v.trace = c.trace
                     WHERE c.model >= 0 ORDER BY c.model, c.case_id""")
    parts = dict(iter(cases.groupby("model", sort=False)))
    made: dict[tuple[str, str | None], WorkingCalendar] = {}
    scopes = []
    for key, view in views.items():
        mine = parts.get(key, cases.iloc[:0]).drop(columns="model").reset_index(drop=True)
        scopes.append(Scope(wh=wh, view=view, key=key, cases=mine,
                            calendars=_calendars(settings, view.kalender, mine["unit"], made),
                            as_of=as_of, language=language))
    return scopes


def _timing(scope: Scope, status: pd.DataFrame | None) -> pd.DataFrame:
    """Working days to completion and whether the promise was kept, per case."""
    cases = scope.cases
    closed = ~cases["open"].to_numpy(dtype=bool)
    if status is not None:
        table = status.set_index("case_id").reindex(cases["case_id"])
        finished = table["finished"].fillna(False).to_numpy(dtype=bool)
        days = np.where(finished & closed, table["working_days"].to_numpy(dtype=float), np.nan)
        verdict = table["status"].to_numpy(dtype=object)
        kept = [True if v == "on_time" else False if v in ("late", "open_overdue") else None
                for v in verdict]
    else:
        days = np.full(len(cases), np.nan)
        for where, cal in scope.calendar_groups(cases["unit"]):
            days[where] = wc.working_days_elapsed(
                cal, pd.DatetimeIndex(cases["first_ts"].iloc[where]),
                pd.DatetimeIndex(cases["last_ts"].iloc[where]))
        days = np.where(closed, days, np.nan)
        kept = [None] * len(cases)
    return pd.DataFrame({"case_id": cases["case_id"], "hari_kerja": days,
                         "tepat_waktu": pd.Series(kept, dtype=object)})


def check(wh: Warehouse, library: SopLibrary, settings: Settings, *, as_of: Any = None,
          language: str | None = None, closed: bool = False,
          staff: Mapping[str, str] | None = None, workers: int | None = None) -> CheckResult:
    """Check every case in the warehouse against its SOP and store the results as a new run.

    ``as_of``: the report date (default: the latest event); events after it are ignored.
    ``closed``: the log is complete, so no case is judged as an open prefix. ``staff``:
    resource -> role, for events whose role the log does not give. ``workers``: processes
    for new alignments (default: 1 for few variants, else 2).
    """
    with stage("check"):
        return _check(wh, library, settings, as_of=as_of, language=language, closed=closed,
                      staff=staff, workers=workers)


def _check(wh: Warehouse, library: SopLibrary, settings: Settings, *, as_of: Any,
           language: str | None, closed: bool, staff: Mapping[str, str] | None,
           workers: int | None) -> CheckResult:
    started = time.perf_counter()
    lang = check_language(language or settings.language)
    if not wh.scalar("SELECT count(*) FROM events"):
        raise WarehouseError(f"{wh.path}: no events to check. Load a log first: "
                             "sopmine ingest FILE --mapping M.yaml")
    cut = (parse_as_of(as_of, settings.timezone) if as_of is not None
           else pd.Timestamp(wh.scalar("SELECT max(timestamp) FROM events")))
    library_models = _models_json({i: ModelView.of(m) for i, m in enumerate(
        m for layanan in library.layanan for m in library.versions(layanan))})
    params = _parameters(settings, closed, staff,
                         int(wh.scalar("SELECT coalesce(max(load_id), 0) FROM loads")))
    try:
        with stage("find reusable results"):
            reused_from = _reusable(wh, library_models, params, lang, cut)
        with stage("cases and SOP versions"):
            source = _source(wh, cut, reused_from is not None)
            views = _case_table(wh, cut, library, settings, lang, source)
        with stage("events"):
            _event_table(wh, cut, staff, source)
        variants, aligned = _variants(wh, views, lang, closed, workers)
        wh.execute(_ROWS_TABLE)
        with stage("variant deviations to cases"):
            _expand(wh)
        times = []
        scopes = _scopes(wh, views, settings, cut, lang)
        for code, case_check in CASE_CHECKS.items():
            with stage(code):
                _add_rows(wh, case_check(scopes))
        with stage("service promise"):
            statuses = service_tables(scopes)
            for scope in scopes:
                status = statuses.get(scope.key)
                with stage("deviation rows"):
                    _add_rows(wh, sla_rows(scope, status))
                with stage("working days per case"):
                    times.append(_timing(scope, status))
        with stage("store results"):
            run_id, reused = _store(wh, views, times, settings, library_models, params, cut,
                                    lang, variants, aligned, reused_from)
    finally:
        for table in ("_chk_src", "_chk_cf", "_chk_cases", "_chk_ev", "_chk_vf", "_chk_vfind",
                      "_chk_rows", "_todo"):
            wh.execute(f"DROP TABLE IF EXISTS {table}")
    totals = wh.rows("""SELECT count(*), count(*) FILTER (WHERE sop IS NULL),
                               count(DISTINCT (model_hash, variant_hash))
                                   FILTER (WHERE variant_hash IS NOT NULL)
                        FROM case_results WHERE run_id = ?""", [run_id])[0]
    variants = int(totals[2])  # of every case checked, reused ones included
    wh.execute("UPDATE check_runs SET variants = ? WHERE run_id = ?", [variants, run_id])
    per_code = dict.fromkeys(CODE_NAMES, 0) | dict(wh.rows(
        "SELECT jenis, count(*) FROM deviations WHERE run_id = ? GROUP BY jenis", [run_id]))
    return CheckResult(run_id=run_id, as_of=cut, cases=int(totals[0]),
                       cases_without_sop=int(totals[1]), deviations=sum(per_code.values()),
                       variants=variants, variants_aligned=aligned,
                       per_code={c: int(per_code[c]) for c in CODE_NAMES},
                       seconds=time.perf_counter() - started,
                       cases_reused=reused)


def _models_json(views: Mapping[int, ModelView]) -> list[dict[str, Any]]:
    out = []
    for view in sorted(views.values(), key=lambda v: (v.model.layanan, v.label)):
        sop = view.sop
        out.append({
            "layanan": view.model.layanan, "sop": view.label, "file": view.model.file,
            "nomor_sop": sop.identitas.nomor_sop if sop is not None else None,
            "tanggal_efektif": (view.model.tanggal_efektif.isoformat()
                                if view.model.tanggal_efektif else None),
            "kalender": view.kalender, "model_hash": view.key})
    return out


def _store(wh: Warehouse, views: Mapping[int, ModelView], times: list[pd.DataFrame],
           settings: Settings, models: list[dict[str, Any]], params: dict[str, Any],
           as_of: pd.Timestamp, language: str, variants: int, aligned: int,
           reused_from: int | None) -> tuple[int, int]:
    """One run: ``check_runs``, then ``case_results`` and ``deviations`` in SQL from the
    TEMP tables (deviations numbered per case by event, code, step, activity, text)."""
    table = pd.DataFrame({
        "model": pd.Series(list(views), dtype="int64"),
        "sop": pd.Series([v.label for v in views.values()], dtype=object),
        "nomor_sop": pd.Series([v.sop.identitas.nomor_sop if v.sop is not None else None
                                for v in views.values()], dtype=object),
        "tanggal_efektif": pd.Series([v.model.tanggal_efektif for v in views.values()],
                                     dtype=object),
        "model_hash": pd.Series([v.key for v in views.values()], dtype=object),
        "zona": pd.Series([calendar_from_settings(settings, v.kalender).tz
                           for v in views.values()], dtype=object),
        "janji_layanan": pd.Series([v.model.jangka_waktu.text if v.model.jangka_waktu
                                    else None for v in views.values()], dtype=object),
        "batas_hari_kerja": pd.Series([v.model.jangka_waktu.days if v.model.jangka_waktu
                                       and v.model.jangka_waktu.kind == "working_days"
                                       else None for v in views.values()], dtype="Int64"),
    })
    timing = (pd.concat(times, ignore_index=True) if times else
              pd.DataFrame({"case_id": pd.Series(dtype=object),
                            "hari_kerja": pd.Series(dtype=float),
                            "tepat_waktu": pd.Series(dtype=object)}))
    order = list(CODE_NAMES)
    with wh.transaction():
        run_id = int(wh.scalar("SELECT nextval('run_id_seq')"))
        with wh.registered("_chk_models", table), wh.registered("_chk_times", timing):
            wh.execute(f"""INSERT INTO deviation_rows BY NAME
                SELECT {run_id} AS first_run, {run_id} AS last_run, case_id,
                       row_number() OVER (PARTITION BY case_id ORDER BY
                           pos, list_position(?, jenis), langkah NULLS FIRST,
                           aktivitas NULLS FIRST, keterangan NULLS FIRST) AS urutan,
                       jenis, langkah, aktivitas, waktu, keterangan
                FROM _chk_rows""", [order])
            wh.execute(f"""INSERT INTO case_result_rows BY NAME
                SELECT {run_id} AS first_run, {run_id} AS last_run, c.case_id, c.layanan,
                       c.unit, m.sop, m.nomor_sop, m.tanggal_efektif::DATE AS tanggal_efektif,
                       m.model_hash, v.variant_hash, v.status, c.first_ts AS mulai,
                       CASE WHEN v.open = false THEN c.last_ts END AS selesai, v.fitness,
                       coalesce(n.n, 0) AS jumlah_penyimpangan,
                       round(t.hari_kerja)::INTEGER AS waktu_penyelesaian_hari_kerja,
                       m.batas_hari_kerja::INTEGER AS batas_hari_kerja, m.janji_layanan,
                       t.tepat_waktu::BOOLEAN AS tepat_waktu, c.events AS jumlah_kejadian,
                       coalesce(m.zona, ?) AS zona, c.catatan
                FROM _chk_cases c
                LEFT JOIN _chk_models m ON m.model = c.model
                LEFT JOIN _chk_vf v ON v.model = c.model AND v.trace = c.trace
                LEFT JOIN _chk_times t ON t.case_id = c.case_id
                LEFT JOIN (SELECT case_id, count(*) AS n FROM deviation_rows
                           WHERE first_run = {run_id} GROUP BY case_id) n
                       ON n.case_id = c.case_id""", [settings.timezone])
        reused = _keep(wh, reused_from, run_id) if reused_from is not None else 0
        counts = wh.rows(f"""SELECT
            (SELECT count(*) FROM case_result_rows WHERE last_run = {run_id}),
            (SELECT count(*) FROM deviation_rows WHERE last_run = {run_id})""")
        wh.execute("INSERT INTO check_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            run_id, dt.datetime.now(dt.UTC), as_of.to_pydatetime(), language,
            json.dumps(params), json.dumps(models, ensure_ascii=False),
            counts[0][0], counts[0][1], variants, aligned])
    return run_id, reused


def _keep(wh: Warehouse, reused_from: int, run_id: int) -> int:
    """Make the results of the cases of run ``reused_from`` that are not in ``_todo`` hold
    for run ``run_id`` too; return how many cases that is.

    When ``reused_from`` is the latest run, its rows are extended to the new run (``last_run``),
    not copied: a monthly check writes only what it computed. Otherwise (a check with other
    settings ran in between) the rows are copied, since a row holds for one unbroken range of
    runs.
    """
    latest = wh.scalar("SELECT max(run_id) FROM check_runs") == reused_from
    counts = []
    for rows, view in (("case_result_rows", "case_results"), ("deviation_rows", "deviations")):
        if latest:
            done = wh.rows(f"""UPDATE {rows} SET last_run = ? WHERE last_run = ?
                               AND case_id NOT IN (SELECT case_id FROM _todo)""",
                           [run_id, reused_from])
        else:
            done = wh.rows(f"""INSERT INTO {rows} BY NAME
                SELECT * EXCLUDE (run_id), ? AS first_run, ? AS last_run FROM {view}
                WHERE run_id = ? AND case_id NOT IN (SELECT case_id FROM _todo)""",
                           [run_id, run_id, reused_from])
        counts.append(int(done[0][0]))
    return counts[0]
