"""``check``: every case in the warehouse against the SOP version in force, results stored.

1. Each case gets its ``layanan`` (the first one its events name; the only one of the library
   when the log names none) and the version in force on the local date of its first event.
   Cases without an SOP are kept, with a note.
2. Per model version, the distinct variants are aligned once (cached, :mod:`.cache`); a case
   is open (``berjalan``) when none of its events is an end step, and is then aligned as a
   prefix. Moves and sequence rules become deviations per variant (:mod:`.flow`).
3. The per-case checks (roles, segregation of duties, step times, the service promise) run
   set-based over the events (:mod:`.checks`).
4. One run is stored: ``check_runs``, ``case_results``, ``deviations``.
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

from pipeline import calendar as wc
from pipeline.calendar import WorkingCalendar, calendar_from_settings
from pipeline.conform.cache import alignments, variant_hash
from pipeline.conform.checks import CASE_CHECKS, ROW_COLUMNS, Group, empty_rows, service_table
from pipeline.conform.checks import sla_breach as sla_rows
from pipeline.conform.flow import variant_findings
from pipeline.conform.model import ModelView
from pipeline.conform.rules import CODE_NAMES
from pipeline.errors import ConfigError, SopError, WarehouseError
from pipeline.settings import Settings
from pipeline.sop import DeclaredModel, SopLibrary
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
    cases_reused: int = 0  # finished cases copied unchanged from an earlier run


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


#: SQL condition keeping the cases a check must compute (the rest are reused, :func:`_reusable`)
_TODO = "case_id NOT IN (SELECT case_id FROM _reused)"


def _cases(wh: Warehouse, as_of: pd.Timestamp) -> pd.DataFrame:
    return wh.df(f"""
        SELECT case_id,
               string_agg(activity, chr(31) ORDER BY {_ORDER}) AS trace,
               count(*)::INTEGER AS events,
               min(timestamp) AS first_ts,
               max(timestamp) AS last_ts,
               -- the first non-empty value in the stable order; arg_min, not an ordered list:
               -- half the time on a million events
               arg_min(layanan, (timestamp, load_id, source_row))
                   FILTER (WHERE layanan IS NOT NULL) AS layanan,
               arg_min(unit, (timestamp, load_id, source_row))
                   FILTER (WHERE unit IS NOT NULL) AS unit
        FROM events WHERE timestamp <= ? AND {_TODO} GROUP BY case_id ORDER BY case_id""",
                  [as_of.to_pydatetime()])


def _events(wh: Warehouse, as_of: pd.Timestamp) -> pd.DataFrame:
    return wh.df(f"""
        SELECT case_id,
               (row_number() OVER (PARTITION BY case_id ORDER BY {_ORDER}) - 1)::INTEGER AS pos,
               activity, timestamp, start_timestamp, resource, role
        FROM events WHERE timestamp <= ? AND {_TODO} ORDER BY case_id, pos""",
                  [as_of.to_pydatetime()])


def _parameters(settings: Settings, closed: bool, staff: Mapping[str, str] | None,
                max_load: int) -> dict[str, Any]:
    staff_key = json.dumps(sorted(dict(staff or {}).items()))
    return {"closed": closed, "timezone": settings.timezone, "max_load_id": max_load,
            "staff": hashlib.sha256(staff_key.encode()).hexdigest()[:16],
            "calendars": hashlib.sha256(json.dumps(settings.calendars, sort_keys=True,
                                                   default=str).encode()).hexdigest()[:16]}


def _reusable(wh: Warehouse, models: list[dict[str, Any]], params: dict[str, Any],
              language: str, cut: pd.Timestamp) -> int | None:
    """Fill TEMP table ``_reused`` with the cases whose stored results a new run can copy, and
    return the run they come from (None: compute everything).

    A previous run qualifies when it used the same models, language and parameters and an
    earlier or equal report date. A case is reused when that run found it finished, and no
    event of it was loaded after that run or lies after that run's report date: nothing that
    decides its result (its events, SOP version, calendar, the report date for open cases)
    can have changed. Open cases are always checked again: their promise runs on.
    """
    wh.execute("CREATE OR REPLACE TEMP TABLE _reused (case_id VARCHAR)")
    same = {k: v for k, v in params.items() if k != "max_load_id"}
    previous = None
    for run_id, as_of, lang, raw_params, raw_models in wh.rows(
            "SELECT run_id, as_of, language, parameters, models FROM check_runs "
            "ORDER BY run_id DESC LIMIT 20"):
        old = json.loads(raw_params or "{}")
        if (lang == language and json.loads(raw_models or "[]") == models
                and {k: old.get(k) for k in same} == same and "max_load_id" in old
                and as_of is not None and pd.Timestamp(as_of) <= cut):
            previous = (int(run_id), int(old["max_load_id"]), as_of)
            break
    if previous is None:
        return None
    run_id, max_load, as_of = previous
    wh.execute("""
        INSERT INTO _reused
        SELECT c.case_id FROM case_results c
        WHERE c.run_id = ? AND c.status IS NOT NULL AND c.status <> 'berjalan'
          AND c.case_id NOT IN (SELECT case_id FROM events
                                WHERE load_id > ? OR timestamp > ?)""",
               [run_id, max_load, as_of])
    return run_id


def _assign_models(cases: pd.DataFrame, library: SopLibrary, timezone: str,
                   language: str) -> tuple[list[DeclaredModel | None], list[str | None]]:
    """The model in force for each case, or a note saying why there is none."""
    only = library.layanan[0] if len(library.layanan) == 1 else None
    layanan = cases["layanan"].where(cases["layanan"].notna(), only)
    days = pd.DatetimeIndex(cases["first_ts"]).tz_convert(timezone).date
    chosen: dict[tuple[Any, dt.date], tuple[DeclaredModel | None, str | None]] = {}
    models: list[DeclaredModel | None] = []
    notes: list[str | None] = []
    for name, day in zip(layanan, days, strict=True):
        key = (name, day)
        if key not in chosen:
            if name is None or pd.isna(name):
                chosen[key] = (None, text("no_layanan", language))
            elif name not in library.layanan:
                chosen[key] = (None, text("no_sop", language, layanan=name))
            else:
                try:
                    chosen[key] = (library.in_force(name, day), None)
                except SopError:
                    chosen[key] = (None, text("not_in_force", language, layanan=name,
                                              tanggal=day.isoformat()))
        model, note = chosen[key]
        models.append(model)
        notes.append(note)
    return models, notes


def _calendars(settings: Settings, kalender: str, units: pd.Series) -> dict[str, WorkingCalendar]:
    cals = {"default": calendar_from_settings(settings, kalender)}
    for unit in sorted({str(u) for u in units.dropna()}):
        cals[unit] = calendar_from_settings(settings, kalender, unit)
    return cals


@dataclass
class _GroupResult:
    cases: pd.DataFrame
    rows: pd.DataFrame
    variants: int
    aligned: int


def _check_group(wh: Warehouse, view: ModelView, cases: pd.DataFrame, events: pd.DataFrame,
                 settings: Settings, as_of: pd.Timestamp, language: str, closed: bool,
                 workers: int | None) -> _GroupResult:
    ends = view.end_steps
    traces = {t: tuple(t.split(SEP)) for t in cases["trace"].unique()}
    prefix = {t: not closed and not any(a in ends for a in acts) for t, acts in traces.items()}
    found, aligned = alignments(wh, view, [(acts, prefix[t]) for t, acts in traces.items()],
                                workers=workers)
    variant_rows = []
    facts = {}
    for t, acts in traces.items():
        key = (variant_hash(acts), prefix[t])
        alignment = found[key]
        status = "berjalan" if prefix[t] else next(
            (ends[a] for a in reversed(acts) if a in ends), "selesai")
        facts[t] = (key[0], alignment.fitness, status)
        for f in variant_findings(view, acts, alignment, language):
            variant_rows.append((t, f.jenis, f.langkah, f.event, f.at, f.keterangan))
    cases = cases.assign(
        variant_hash=cases["trace"].map(lambda t: facts[t][0]),
        fitness=cases["trace"].map(lambda t: facts[t][1]),
        status=cases["trace"].map(lambda t: facts[t][2]),
        open=cases["trace"].map(prefix))
    rows = _expand(variant_rows, cases, events)
    group = Group(view=view, events=events, cases=cases,
                  calendars=_calendars(settings, view.kalender, cases["unit"]), as_of=as_of,
                  language=language)
    parts = [rows] + [check(group) for check in CASE_CHECKS.values()]
    status_table = service_table(group)
    parts.append(sla_rows(group, status_table))
    cases = _timing(cases, group, status_table)
    rows = pd.concat([p for p in parts if not p.empty] or [empty_rows()], ignore_index=True)
    return _GroupResult(cases, rows, len(traces), aligned)


def _expand(variant_rows: list[tuple[Any, ...]], cases: pd.DataFrame,
            events: pd.DataFrame) -> pd.DataFrame:
    """Variant deviations -> one row per case, with the activity and time of their events."""
    if not variant_rows:
        return empty_rows()
    found = pd.DataFrame(variant_rows, columns=["trace", "jenis", "langkah", "event", "at",
                                                "keterangan"])
    rows = cases[["case_id", "trace"]].merge(found, on="trace")
    ev = events[["case_id", "pos", "activity", "timestamp"]]
    rows = rows.merge(ev.rename(columns={"pos": "event", "activity": "aktivitas"})
                      .drop(columns="timestamp"), on=["case_id", "event"], how="left")
    rows = rows.merge(ev.rename(columns={"pos": "at", "timestamp": "waktu"})
                      .drop(columns="activity"), on=["case_id", "at"], how="left")
    rows["pos"] = rows["at"].where(rows["at"] >= 0, rows["event"]).astype(np.int64)
    rows["langkah"] = rows["langkah"].replace("", None)
    return rows[ROW_COLUMNS]


def _timing(cases: pd.DataFrame, group: Group, status: pd.DataFrame | None) -> pd.DataFrame:
    """Working days to completion, the promise and whether it was kept, per case."""
    promise = group.view.model.jangka_waktu
    cases = cases.copy()
    cases["janji_layanan"] = promise.text if promise is not None else None
    cases["batas_hari_kerja"] = (promise.days if promise is not None
                                 and promise.kind == "working_days" else None)
    closed = ~cases["open"].to_numpy(dtype=bool)
    if status is not None:
        table = status.set_index("case_id").reindex(cases["case_id"])
        finished = table["finished"].fillna(False).to_numpy(dtype=bool)
        days = table["working_days"].to_numpy(dtype=float)
        verdict = table["status"].to_numpy(dtype=object)
        cases["waktu_penyelesaian_hari_kerja"] = np.where(finished & closed, days, np.nan)
        cases["tepat_waktu"] = [True if v == "on_time" else False
                                if v in ("late", "open_overdue") else None for v in verdict]
    else:
        days = np.full(len(cases), np.nan)
        for where, cal in group.calendar_groups(cases["unit"]):
            days[where] = wc.working_days_elapsed(
                cal, pd.DatetimeIndex(cases["first_ts"].iloc[where]),
                pd.DatetimeIndex(cases["last_ts"].iloc[where]))
        cases["waktu_penyelesaian_hari_kerja"] = np.where(closed, days, np.nan)
        cases["tepat_waktu"] = None
    return cases


def check(wh: Warehouse, library: SopLibrary, settings: Settings, *, as_of: Any = None,
          language: str | None = None, closed: bool = False,
          staff: Mapping[str, str] | None = None, workers: int | None = None) -> CheckResult:
    """Check every case in the warehouse against its SOP and store the results as a new run.

    ``as_of``: the report date (default: the latest event); events after it are ignored.
    ``closed``: the log is complete, so no case is judged as an open prefix. ``staff``:
    resource -> role, for events whose role the log does not give. ``workers``: processes
    for new alignments (default: 1 for few variants, else 2).
    """
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
    reused_from = _reusable(wh, library_models, params, lang, cut)
    cases = _cases(wh, cut)
    events = _events(wh, cut)
    if staff:
        events["role"] = events["role"].where(events["role"].notna(),
                                              events["resource"].map(dict(staff)))
    events = events.merge(cases[["case_id", "unit"]], on="case_id", how="left")
    models, notes = _assign_models(cases, library, settings.timezone, lang)
    cases["catatan"] = notes
    cases["layanan"] = [m.layanan if m is not None else lay
                        for m, lay in zip(models, cases["layanan"], strict=True)]
    views: dict[int, ModelView] = {}
    which = []
    for m in models:
        if m is not None and id(m) not in views:
            views[id(m)] = ModelView.of(m)
        which.append(id(m) if m is not None else -1)
    cases["_model"] = which
    done_cases, done_rows = [], []
    variants = aligned = 0
    for key in sorted(views, key=lambda k: (views[k].model.layanan,
                                            str(views[k].model.tanggal_efektif))):
        view = views[key]
        mine = cases[cases["_model"] == key].reset_index(drop=True)
        mine_events = events[events["case_id"].isin(mine["case_id"])].reset_index(drop=True)
        result = _check_group(wh, view, mine, mine_events, settings, cut, lang, closed, workers)
        result.cases["_view"] = key
        done_cases.append(result.cases)
        done_rows.append(result.rows)
        variants += result.variants
        aligned += result.aligned
    without = cases[cases["_model"] == -1]
    all_cases = pd.concat([*done_cases, without], ignore_index=True)
    rows = pd.concat(done_rows, ignore_index=True) if done_rows else empty_rows()
    rows = _number(rows)
    counts = rows.groupby("case_id").size()
    all_cases["jumlah_penyimpangan"] = all_cases["case_id"].map(counts).fillna(0).astype(int)
    run_id = _store(wh, all_cases, rows, views, settings, library_models, params, cut, lang,
                    variants, aligned, reused_from)
    totals = wh.rows("""SELECT count(*), count(*) FILTER (WHERE sop IS NULL),
                               count(DISTINCT (model_hash, variant_hash))
                                   FILTER (WHERE variant_hash IS NOT NULL)
                        FROM case_results WHERE run_id = ?""", [run_id])[0]
    variants = int(totals[2])  # of every case checked, copied ones included
    wh.execute("UPDATE check_runs SET variants = ? WHERE run_id = ?", [variants, run_id])
    per_code = dict.fromkeys(CODE_NAMES, 0) | dict(wh.rows(
        "SELECT jenis, count(*) FROM deviations WHERE run_id = ? GROUP BY jenis", [run_id]))
    return CheckResult(run_id=run_id, as_of=cut, cases=int(totals[0]),
                       cases_without_sop=int(totals[1]), deviations=sum(per_code.values()),
                       variants=variants, variants_aligned=aligned,
                       per_code={c: int(per_code[c]) for c in CODE_NAMES},
                       seconds=time.perf_counter() - started,
                       cases_reused=int(wh.scalar("SELECT count(*) FROM _reused")))


def _number(rows: pd.DataFrame) -> pd.DataFrame:
    """A fixed order of the deviations of each case: by event, code, step, text."""
    order = {c: k for k, c in enumerate(CODE_NAMES)}
    rows = rows.assign(_code=rows["jenis"].map(order))
    rows = rows.sort_values(["case_id", "pos", "_code", "langkah", "aktivitas", "keterangan"],
                            na_position="first", kind="mergesort").reset_index(drop=True)
    rows["urutan"] = rows.groupby("case_id").cumcount() + 1
    return rows.drop(columns="_code")


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


def _store(wh: Warehouse, cases: pd.DataFrame, rows: pd.DataFrame,
           views: Mapping[int, ModelView], settings: Settings, models: list[dict[str, Any]],
           params: dict[str, Any], as_of: pd.Timestamp, language: str, variants: int,
           aligned: int, reused_from: int | None) -> int:
    zone = {k: calendar_from_settings(settings, v.kalender).tz for k, v in views.items()}
    view_of = cases["_view"] if "_view" in cases else pd.Series([np.nan] * len(cases))
    # finished: checked against an SOP and not open (a case without an SOP has no end)
    finished = (cases["open"].eq(False).to_numpy(dtype=bool) if "open" in cases
                else np.zeros(len(cases), dtype=bool))
    out = pd.DataFrame({
        "case_id": cases["case_id"],
        "layanan": cases["layanan"],
        "unit": cases["unit"],
        "sop": [views[int(k)].label if not pd.isna(k) else None for k in view_of],
        "nomor_sop": [views[int(k)].sop.identitas.nomor_sop  # type: ignore[union-attr]
                      if not pd.isna(k) and views[int(k)].sop is not None else None
                      for k in view_of],
        "tanggal_efektif": [views[int(k)].model.tanggal_efektif if not pd.isna(k) else None
                            for k in view_of],
        "model_hash": [views[int(k)].key if not pd.isna(k) else None for k in view_of],
        "variant_hash": cases.get("variant_hash"),
        "status": cases.get("status"),
        "mulai": cases["first_ts"],
        "selesai": cases["last_ts"].where(finished),
        "fitness": cases.get("fitness"),
        "jumlah_penyimpangan": cases["jumlah_penyimpangan"],
        "waktu_penyelesaian_hari_kerja": cases.get("waktu_penyelesaian_hari_kerja"),
        "batas_hari_kerja": cases.get("batas_hari_kerja"),
        "janji_layanan": cases.get("janji_layanan"),
        "tepat_waktu": cases.get("tepat_waktu"),
        "jumlah_kejadian": cases["events"],
        "zona": [zone[int(k)] if not pd.isna(k) else settings.timezone for k in view_of],
        "catatan": cases["catatan"],
    })
    with wh.transaction():
        run_id = int(wh.scalar("SELECT nextval('run_id_seq')"))
        wh.execute("INSERT INTO check_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            run_id, dt.datetime.now(dt.UTC), as_of.to_pydatetime(), language,
            json.dumps(params), json.dumps(models, ensure_ascii=False),
            len(out), len(rows), variants, aligned])
        wh.register("_case_results", out)
        wh.register("_deviation_rows", rows)
        try:
            wh.execute(f"""INSERT INTO case_results SELECT {run_id}, case_id, layanan, unit, sop,
                nomor_sop, tanggal_efektif::DATE, model_hash, variant_hash, status, mulai, selesai,
                fitness, jumlah_penyimpangan, round(waktu_penyelesaian_hari_kerja)::INTEGER,
                batas_hari_kerja::INTEGER, janji_layanan, tepat_waktu::BOOLEAN, jumlah_kejadian,
                zona, catatan FROM _case_results""")
            wh.execute(f"""INSERT INTO deviations SELECT {run_id}, case_id, urutan, jenis,
                langkah, aktivitas, waktu, keterangan FROM _deviation_rows""")
            if reused_from is not None:  # the unchanged finished cases, copied as they were
                for table in ("case_results", "deviations"):
                    wh.execute(f"""INSERT INTO {table} SELECT * REPLACE ({run_id} AS run_id)
                        FROM {table} WHERE run_id = ? AND case_id IN (SELECT case_id FROM _reused)
                        """, [reused_from])
                wh.execute("""UPDATE check_runs SET
                    cases = (SELECT count(*) FROM case_results WHERE run_id = ?),
                    deviations = (SELECT count(*) FROM deviations WHERE run_id = ?)
                    WHERE run_id = ?""", [run_id, run_id, run_id])
        finally:
            wh.unregister("_case_results")
            wh.unregister("_deviation_rows")
    return run_id
