"""What a report shows, gathered once from the warehouse: :func:`collect` -> :class:`ReportInputs`.

The three renderers (HTML, PDF, workbook) take a :class:`ReportInputs` and nothing else, so
every figure they print comes from the same frames and the tests can compare it with the
warehouse.

Scope and censoring. A case belongs to a period when its first event falls on one of the
period's local dates (as in :mod:`pipeline.discover`), and to the ``layanan`` and ``unit`` of
that event. Each period is judged at its *cut-off*: the end of its last day, or the latest
event in the warehouse when that is earlier (``event-log.md``: never the wall clock). Events
after the cut-off are ignored, so a case that finished after the period is open at the
cut-off (right-censored), and it is overdue only if its promise had already passed then.

Case results. Fitness, the number of deviations and the deviation rows come from the
conformance check (:func:`_case_results`). The report itself computes, at the cut-off, the
status, the turnaround in working days, the promise and whether it was kept (with
:func:`pipeline.timing.service_status`), and the ``sla_breach`` and ``step_overtime``
deviations; so every period is censored the same way whatever run produced the check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.metadata
import json
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError, InputError, PipelineError
from pipeline.settings import Settings
from pipeline.sop.model import Sop
from pipeline.warehouse import Warehouse

CASE_COLUMNS = ["case_id", "layanan", "unit", "sop", "status", "mulai", "selesai", "fitness",
                "jumlah_penyimpangan", "waktu_penyelesaian_hari_kerja", "batas_hari_kerja",
                "tepat_waktu"]
DEVIATION_COLUMNS = ["case_id", "jenis", "langkah", "aktivitas", "waktu", "keterangan",
                     "layanan", "unit", "resource", "role"]
#: Codes the report computes itself at the cut-off (see the module docstring).
TIMING_CODES = ("sla_breach", "step_overtime")
_ORDER = "timestamp, load_id, source_row"


# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local dates ``start..end`` (both included); ``kind`` is year, quarter, month or days."""

    start: dt.date
    end: dt.date
    kind: str = "days"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def previous(self) -> Period:
        """The period of the same length just before: the previous year, quarter or month
        (calendar units), or as many days."""
        if self.kind in ("year", "quarter", "month"):
            months = {"year": 12, "quarter": 3, "month": 1}[self.kind]
            first = _add_months(self.start, -months)
            return Period(first, self.start - dt.timedelta(days=1), self.kind)
        return Period(self.start - dt.timedelta(days=self.days),
                      self.start - dt.timedelta(days=1), "days")

    def bounds(self, timezone: str) -> tuple[dt.datetime, dt.datetime]:
        """Local midnight of the first day, local midnight after the last day (excluded)."""
        zone = ZoneInfo(timezone)
        return (dt.datetime.combine(self.start, dt.time(), zone),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def report_period(text: str) -> Period:
    """``2025``, ``2025-Q3``, ``2025-07`` or ``FROM..TO`` (ISO dates, both ends included)."""
    raw = text.strip()
    try:
        if raw.isdigit() and len(raw) == 4:
            year = int(raw)
            return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
        if len(raw) == 7 and raw[4:6].upper() == "-Q" and raw[6] in "1234":
            first = dt.date(int(raw[:4]), 3 * (int(raw[6]) - 1) + 1, 1)
            return Period(first, _add_months(first, 3) - dt.timedelta(days=1), "quarter")
        if len(raw) == 7 and raw[4] == "-":
            first = dt.date.fromisoformat(raw + "-01")
            return Period(first, _add_months(first, 1) - dt.timedelta(days=1), "month")
        if ".." in raw:
            a, _, b = raw.partition("..")
            start, end = dt.date.fromisoformat(a.strip()), dt.date.fromisoformat(b.strip())
            if start > end:
                raise InputError(f"period '{text}' ends before it starts; write FROM..TO "
                                 "with FROM on or before TO.")
            return Period(start, end, "days")
    except ValueError:
        pass
    raise InputError(f"period '{text}' is not understood; write 2025 (a year), 2025-Q3 (a "
                     "quarter), 2025-07 (a month) or 2025-07-01..2025-09-30 (dates).")


def data_period(wh: Warehouse, timezone: str) -> Period:
    """The local dates of the first and the last event in the warehouse."""
    lo, hi = wh.rows("SELECT min(timestamp), max(timestamp) FROM events")[0]
    if lo is None:
        raise PipelineError("the warehouse holds no events yet. Load a log first: "
                            "sopmine ingest FILE --mapping M.yaml")
    zone = ZoneInfo(timezone)
    return Period(lo.astimezone(zone).date(), hi.astimezone(zone).date(), "days")


# --- what a report holds --------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceData:
    """The aggregates of one service (``layanan``) in the period: small frames, no events.

    ``variants``: ``variant, text, cases, share`` (the most frequent); ``step_times``: per SOP
    step ``langkah, kegiatan, pelaksana, standar, events, median_s, p90_s, over, share_over``
    (working seconds; ``over`` counts events past the step's *mutu baku* time);
    ``bottlenecks``: ``kind, source, target, count, total_working_s, share`` (the largest);
    ``map_svg``: the SOP-versus-actual map (None when it could not be drawn, ``map_notes``
    say why).
    """

    layanan: str
    sop: Sop | None
    variants: pd.DataFrame
    variant_count: int
    step_times: pd.DataFrame
    bottlenecks: pd.DataFrame
    map_svg: str | None = None
    map_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report shows. ``cases`` and ``deviations`` follow the ``cases.csv`` and
    ``deviations.csv`` contract (:data:`CASE_COLUMNS`, :data:`DEVIATION_COLUMNS`), one row per
    case of the period (``previous_*``: of the previous period), judged at ``as_of``.
    ``resource`` values are pseudonyms. ``conformance_checked`` is False when no conformance
    results exist yet (fitness is then empty and only time deviations are listed)."""

    period: Period
    previous: Period
    as_of: pd.Timestamp
    previous_as_of: pd.Timestamp
    cases: pd.DataFrame
    deviations: pd.DataFrame
    previous_cases: pd.DataFrame
    previous_deviations: pd.DataFrame
    sops: tuple[Sop, ...]
    services: tuple[ServiceData, ...]
    quality: Mapping[str, Any]
    loads: pd.DataFrame
    manifest: Mapping[str, Any]
    layanan: str | None = None
    unit: str | None = None
    conformance_checked: bool = True
    threshold: float = 0.8
    timezone: str = "Asia/Jakarta"
    notes: tuple[str, ...] = field(default=())

    def sop_of(self, layanan: str) -> Sop | None:
        """The SOP version of ``layanan`` in force at the end of the period."""
        found = [s for s in self.sops if s.layanan == layanan]
        return found[-1] if found else None


# --- summaries shared by the three formats --------------------------------------------------


def flow_deviations(deviations: pd.DataFrame) -> pd.DataFrame:
    """The deviations of flow, role and rule (every code but the time ones)."""
    return deviations[~deviations["jenis"].isin(TIMING_CODES)]


def headline(cases: pd.DataFrame, deviations: pd.DataFrame, *, checked: bool = True,
             top: int = 3) -> dict[str, Any]:
    """The key figures of a set of cases.

    ``on_time``: cases on time over cases with a verdict (finished, or open and already past
    the promise); ``conforming``: checked cases (with a fitness) without a flow, role or rule
    deviation over all checked cases (None when the check has not run); ``top``: the most frequent deviation codes as
    ``(jenis, cases, occurrences)``, by cases affected.
    """
    n = len(cases)
    judged = cases["tepat_waktu"].dropna()
    flow = flow_deviations(deviations)
    measured = set(cases.loc[cases["fitness"].notna(), "case_id"])
    bad = set(flow["case_id"]) & measured
    ranked = (deviations.groupby("jenis")["case_id"].agg(["nunique", "size"])
              .reset_index().sort_values(["nunique", "size", "jenis"],
                                         ascending=[False, False, True]))
    return {
        "cases": n,
        "finished": int((cases["status"] != "berjalan").sum()),
        "open": int((cases["status"] == "berjalan").sum()),
        "judged": len(judged),
        "on_time_cases": int(judged.astype(bool).sum()),
        "on_time": float(judged.astype(bool).mean()) if len(judged) else None,
        "checked_cases": len(measured),
        "conforming_cases": len(measured) - len(bad) if checked else None,
        "conforming": ((len(measured) - len(bad)) / len(measured)
                       if measured and checked else None),
        "deviations": len(deviations),
        "top": [(str(j), int(c), int(s)) for j, c, s in
                ranked[["jenis", "nunique", "size"]].head(top).itertuples(index=False)],
    }


def verdict(h: Mapping[str, Any], threshold: float) -> str | None:
    """``good`` or ``bad`` (Permenpan 35/2012 Tabel 7: berjalan / tidak berjalan dengan baik)
    by ``threshold`` on the on-time and conforming shares; None when nothing can be judged."""
    shares = [h[k] for k in ("on_time", "conforming") if h.get(k) is not None]
    if not shares:
        return None
    return "good" if all(s >= threshold for s in shares) else "bad"


def counts_by(deviations: pd.DataFrame, column: str) -> pd.DataFrame:
    """Deviations per value of ``column`` and code: ``column, jenis, cases, occurrences``."""
    if deviations.empty:
        return pd.DataFrame(columns=[column, "jenis", "cases", "occurrences"])
    frame = deviations.assign(**{column: deviations[column].fillna("–").replace("", "–")})
    out = frame.groupby([column, "jenis"])["case_id"].agg(cases="nunique", occurrences="size")
    return out.reset_index().sort_values([column, "jenis"], ignore_index=True)


# --- collect --------------------------------------------------------------------------------


def collect(wh: Warehouse, settings: Settings, *, period: str | Period,
            layanan: str | None = None, unit: str | None = None, sops: Any = (),
            case_results: tuple[pd.DataFrame, pd.DataFrame] | None = None,
            threshold: float = 0.8, coverage: float = 0.8, draw_maps: bool = True,
            top_variants: int = 10, run_id: int | None = None) -> ReportInputs:
    """Gather what a report on ``period`` shows, from the warehouse ``wh``.

    ``sops``: a :class:`~pipeline.sop.SopLibrary`, or SOP files, folders, ``Sop`` or declared
    models. ``case_results``: ``(cases, deviations)`` frames in the ``cases.csv`` /
    ``deviations.csv`` contract to use instead of the conformance results stored in the
    warehouse (:func:`_case_results`). ``threshold``: the share of cases on time and
    conforming at which an SOP is rated "Berjalan dengan baik". ``coverage``: the share of
    cases whose variants the map draws.
    """
    if not 0 < threshold <= 1:
        raise InputError(f"threshold {threshold} is not a share; give a number in (0, 1], "
                         "e.g. 0.8.")
    current = report_period(period) if isinstance(period, str) else period
    previous = current.previous()
    library = _library(sops)
    tz = settings.timezone
    last = wh.scalar("SELECT max(timestamp) FROM events")
    if last is None:
        raise PipelineError("the warehouse holds no events yet. Load a log first: "
                            "sopmine ingest FILE --mapping M.yaml")
    latest = pd.Timestamp(last).tz_convert(tz)
    notes: list[str] = []
    frames = {}
    for name, p in (("current", current), ("previous", previous)):
        cut = min(pd.Timestamp(p.bounds(tz)[1]) - pd.Timedelta(microseconds=1), latest)
        events = _events(wh, p, tz, layanan, unit, cut)
        frames[name] = (cut, events, *_results(wh, settings, events, library, cut,
                                               case_results, run_id))
    cut, events, cases, deviations, checked = frames["current"]
    prev_cut, _, prev_cases, prev_devs, _ = frames["previous"]
    if cases.empty:
        notes.append(f"no cases in {current.label}")
    key = _pseudonym_key(settings, notes)
    deviations = _pseudonymise(deviations, key)
    prev_devs = _pseudonymise(prev_devs, key)
    in_force = _in_force(library, sorted(set(cases["layanan"].dropna())) or
                         ([layanan] if layanan else []), current.end)
    services = tuple(
        _service(wh, settings, events, cases, sop, name, current, unit, coverage, draw_maps,
                 top_variants, library)
        for name, sop in _services(cases, in_force))
    quality, loads = _quality(wh, settings)
    manifest = _manifest(settings, current, previous, cut, layanan, unit, library, loads,
                         threshold, coverage, checked)
    return ReportInputs(
        period=current, previous=previous, as_of=cut, previous_as_of=prev_cut,
        cases=cases, deviations=deviations, previous_cases=prev_cases,
        previous_deviations=prev_devs, sops=tuple(in_force.values()), services=services,
        quality=quality, loads=loads, manifest=manifest, layanan=layanan, unit=unit,
        conformance_checked=checked, threshold=threshold, timezone=tz, notes=tuple(notes))


def _library(sops: Any) -> Any:
    from pipeline.sop.declared import DeclaredModel, model_of_sop
    from pipeline.sop.versions import SopLibrary

    if isinstance(sops, SopLibrary):
        return sops
    if isinstance(sops, (str, Path)):
        sops = [sops]
    models: list[Any] = []
    paths: list[Any] = []
    for item in sops:
        if isinstance(item, Sop):
            models.append(model_of_sop(item))
        elif isinstance(item, DeclaredModel):
            models.append(item)
        else:
            paths.append(item)
    library = SopLibrary.load(*paths) if paths else SopLibrary([])
    for model in models:
        library._add(model)
    return library


def _in_force(library: Any, names: Iterable[str], day: dt.date) -> dict[str, Sop]:
    out: dict[str, Sop] = {}
    for name in names:
        if name in library.layanan:
            try:
                model = library.in_force(name, day)
            except PipelineError:
                continue
            if model.sop is not None:
                out[name] = model.sop
    return out


def _services(cases: pd.DataFrame, in_force: Mapping[str, Sop]) -> list[tuple[str, Sop | None]]:
    names = cases["layanan"].fillna("").value_counts()
    ordered = sorted(names.index, key=lambda n: (-int(names[n]), n))
    return [(n, in_force.get(n)) for n in ordered if n]


def _events(wh: Warehouse, p: Period, tz: str, layanan: str | None, unit: str | None,
            cut: pd.Timestamp) -> pd.DataFrame:
    """The events up to ``cut`` of the cases whose first event falls in ``p``, in the stable
    order, with the case's layanan and unit (of its first event) on every row."""
    lo, hi = p.bounds(tz)
    conds = ["min(timestamp) >= ?", "min(timestamp) < ?"]
    params: list[Any] = [lo, hi]
    first = f"({_ORDER})"
    if layanan is not None:
        conds.append(f"arg_min(layanan, {first}) = ?")
        params.append(layanan)
    if unit is not None:
        conds.append(f"arg_min(unit, {first}) = ?")
        params.append(unit)
    frame = wh.df(f"""
        WITH kept AS (
            SELECT case_id, arg_min(layanan, {first}) AS case_layanan,
                   arg_min(unit, {first}) AS case_unit
            FROM events GROUP BY case_id HAVING {" AND ".join(conds)})
        SELECT e.case_id, e.activity, e.timestamp, e.start_timestamp, e.resource, e.role,
               k.case_layanan AS layanan, k.case_unit AS unit
        FROM events e JOIN kept k USING (case_id)
        WHERE e.timestamp <= ?
        ORDER BY e.case_id, e.timestamp, e.load_id, e.source_row""",
                  [*params, cut.to_pydatetime()])
    for col in ("timestamp", "start_timestamp"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert(tz)
    return frame


# --- case results ---------------------------------------------------------------------------


def _case_results(wh: Warehouse, events: pd.DataFrame,
                  run_id: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The conformance results of the cases in ``events``: ``(cases, deviations)`` of check run
    ``run_id`` (default: the latest ``sopmine check``), or None when no check has run.

    THE ONE PLACE THAT READS CONFORMANCE. It reads the warehouse tables that
    :func:`pipeline.conform.check` fills (``case_results``, ``deviations`` per ``run_id``) and
    uses only ``case_id, sop, fitness`` of the cases and ``case_id, jenis, langkah,
    aktivitas, waktu, keterangan`` of the deviations; status and timing are recomputed at the
    report's cut-off (module docstring).
    """
    if not wh.has_table("check_runs") or not wh.scalar("SELECT count(*) FROM check_runs"):
        return None
    from pipeline.conform import latest_run

    run = latest_run(wh) if run_id is None else int(run_id)
    wh.register("_report_ids", pd.DataFrame({"case_id": pd.unique(events["case_id"])}))
    try:
        cases = wh.df("SELECT case_id, sop, fitness FROM case_results WHERE run_id = ? "
                      "AND case_id IN (SELECT case_id FROM _report_ids) ORDER BY case_id", [run])
        deviations = wh.df(
            "SELECT case_id, jenis, langkah, aktivitas, waktu, keterangan FROM deviations "
            "WHERE run_id = ? AND case_id IN (SELECT case_id FROM _report_ids) "
            "ORDER BY case_id, urutan", [run])
    finally:
        wh.unregister("_report_ids")
    return cases, deviations


def _results(wh: Warehouse, settings: Settings, events: pd.DataFrame, library: Any,
             cut: pd.Timestamp, given: tuple[pd.DataFrame, pd.DataFrame] | None,
             run_id: int | None) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """Cases and deviations of one period at its cut-off (see the module docstring)."""
    timing, step_rows = _timing(events, settings, library, cut)
    found = given if given is not None else _case_results(wh, events, run_id)
    checked = found is not None
    if found is not None:
        conf_cases, conf_devs = found
        conf_devs = pd.DataFrame(conf_devs).copy()
        conf_devs = conf_devs[conf_devs["case_id"].isin(set(timing["case_id"]))
                              & ~conf_devs["jenis"].isin(TIMING_CODES)]
        when = pd.to_datetime(conf_devs["waktu"], utc=True, errors="coerce")
        conf_devs = conf_devs[~(when > cut.tz_convert("UTC")).to_numpy()]
        fitness = pd.DataFrame(conf_cases)[["case_id", "fitness"]]
        timing = timing.drop(columns="fitness").merge(fitness, on="case_id", how="left")
    else:
        conf_devs = pd.DataFrame(columns=DEVIATION_COLUMNS[:6])
    devs = pd.concat([conf_devs[DEVIATION_COLUMNS[:6]], _timing_deviations(timing, step_rows)],
                     ignore_index=True)
    devs = _attach(devs, events, timing)
    counts = devs.groupby("case_id").size()
    timing["jumlah_penyimpangan"] = timing["case_id"].map(counts).fillna(0).astype("int64")
    if not checked:
        timing["fitness"] = np.nan
    return timing[CASE_COLUMNS].reset_index(drop=True), devs, checked


def _timing(events: pd.DataFrame, settings: Settings, library: Any,
            cut: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per case at ``cut``: the contract's status and time columns (``fitness`` empty); per
    event: its SOP step's time standard and whether it was exceeded."""
    from pipeline.calendar import calendars_for_units
    from pipeline.conform.model import sop_end_steps
    from pipeline.timing import service_status

    first = events.groupby("case_id", sort=False).first()
    cases = pd.DataFrame({
        "case_id": first.index, "layanan": first["layanan"].to_numpy(),
        "unit": first["unit"].to_numpy(),
        "mulai": first["timestamp"].to_numpy()})
    cases["mulai"] = pd.to_datetime(cases["mulai"], utc=True).dt.tz_convert(settings.timezone)
    calendars = calendars_for_units(settings, events["unit"])
    calendars.setdefault("default", _default_calendar(settings))
    versions = [_version(library, la, m) for la, m in zip(cases["layanan"], cases["mulai"],
                                                           strict=True)]
    cases["sop"] = [_sop_label(s) for s in versions]
    cases["status"] = "berjalan"
    cases["selesai"] = pd.Series(pd.NaT, index=cases.index,
                                 dtype=f"datetime64[ns, {settings.timezone}]")
    cases["waktu_penyelesaian_hari_kerja"] = np.nan
    cases["batas_hari_kerja"] = np.nan
    cases["tepat_waktu"] = pd.Series([None] * len(cases), dtype=object)
    cases["fitness"] = np.nan
    step_frames = []
    finished_at: dict[str, Any] = {}  # case -> completion of its end step, set after the loop
    groups: dict[int, list[int]] = {}
    by_id = {}
    for i, s in enumerate(versions):
        groups.setdefault(id(s), []).append(i)
        by_id[id(s)] = s
    for gid, rows in groups.items():
        sop = by_id[gid]
        ids = cases["case_id"].iloc[rows]
        ev = events[events["case_id"].isin(set(ids))]
        if sop is None:
            continue
        # the recorded steps that end a case, through unrecorded end steps too (as the check)
        ends = sop_end_steps(sop)
        done = ev[ev["activity"].isin(list(ends))].groupby("case_id", sort=False).first()
        idx = cases.index[rows]
        finished = cases.loc[idx, "case_id"].map(done["activity"])
        cases.loc[idx, "status"] = finished.map(ends).fillna("berjalan").to_numpy()
        finished_at.update({str(k): v for k, v in done["timestamp"].items()})
        sp = sop.standar_pelayanan
        if sp.jangka_waktu is not None:
            status = service_status(ev, calendars, sp.jangka_waktu, as_of=cut, mulai=sp.mulai,
                                    selesai=sp.selesai, end_activities=list(ends))
            status = status.set_index("case_id").reindex(cases.loc[idx, "case_id"])
            verdict = status["status"].map({"on_time": True, "late": False,
                                            "open_overdue": False})
            cases.loc[idx, "tepat_waktu"] = verdict.astype(object).where(
                verdict.notna(), None).to_numpy()
            if sp.jangka_waktu.kind == "working_days":
                cases.loc[idx, "batas_hari_kerja"] = sp.jangka_waktu.days
                cases.loc[idx, "waktu_penyelesaian_hari_kerja"] = status["working_days"].to_numpy()
        step_frames.append(_step_times(ev, sop, calendars))
    cases["selesai"] = pd.to_datetime(cases["case_id"].map(finished_at),
                                      utc=True).dt.tz_convert(settings.timezone)
    steps = (pd.concat(step_frames, ignore_index=True) if step_frames
             else pd.DataFrame(columns=["case_id", "activity", "timestamp", "resource", "role",
                                        "duration_working_s", "standar", "over"]))
    return cases, steps


def _default_calendar(settings: Settings) -> Any:
    from pipeline.calendar import calendar_from_settings

    return calendar_from_settings(settings)


def _version(library: Any, layanan: Any, start: pd.Timestamp) -> Sop | None:
    if not isinstance(layanan, str) or layanan not in library.layanan:
        return None
    try:
        model = library.in_force(layanan, start.date())
    except PipelineError:
        return None
    sop: Sop | None = model.sop
    return sop


def _sop_label(sop: Sop | None) -> str | None:
    if sop is None:
        return None
    return f"{sop.identitas.nomor_sop or sop.identitas.judul} ({sop.tanggal_efektif})"


def _step_times(ev: pd.DataFrame, sop: Sop, calendars: Mapping[str, Any]) -> pd.DataFrame:
    """Per event of a recorded SOP step: working seconds from the case's previous completion
    (or the event's start) to its completion, the step's time standard and ``over``."""
    from pipeline import calendar as wc
    from pipeline.timing import step_durations

    rows = step_durations(ev, dict(calendars), level="event")
    rows["role"] = ev["role"].to_numpy()
    standards = {s.id: s.mutu_baku.waktu for s in sop.langkah if s.mutu_baku.waktu}
    rows["standar"] = rows["activity"].map(lambda a: str(standards[a]) if a in standards else None)
    rows["over"] = False
    prev = ev.groupby("case_id", sort=False)["timestamp"].shift(1)
    start = ev["start_timestamp"].where(ev["start_timestamp"].notna(), prev)
    for step, duration in standards.items():
        mask = (rows["activity"] == step).to_numpy() & start.notna().to_numpy()
        if not mask.any():
            continue
        if duration.kind == "working":
            rows.loc[mask, "over"] = rows.loc[mask, "duration_working_s"] > duration.seconds
            continue
        units = ev["unit"].to_numpy()[mask]
        due = np.empty(mask.sum(), dtype="datetime64[ns]")
        starts = start.to_numpy()[mask]
        for u in pd.unique(units):
            sel = units == u
            cal = calendars.get(str(u)) or calendars["default"]
            when = wc.deadline(cal, pd.DatetimeIndex(starts[sel]), duration)
            due[sel] = when.tz_convert("UTC").tz_localize(None).to_numpy()
        done = ev["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()[mask]
        rows.loc[mask, "over"] = done > due
    return rows[["case_id", "activity", "timestamp", "resource", "role", "unit", "layanan",
                 "duration_working_s", "standar", "over"]]


def _timing_deviations(cases: pd.DataFrame, steps: pd.DataFrame) -> pd.DataFrame:
    """``sla_breach`` per case not on time at the cut-off, ``step_overtime`` per late step."""
    late = cases[cases["tepat_waktu"].map(lambda v: v is False).astype(bool)]
    sla = pd.DataFrame({
        "case_id": late["case_id"], "jenis": "sla_breach", "langkah": None, "aktivitas": None,
        "waktu": late["selesai"],
        "keterangan": [
            (f"Selesai dalam {_days(d)} hari kerja, melebihi janji layanan {_days(b)} hari kerja."
             if s != "berjalan" else
             f"Masih berjalan dan sudah melewati janji layanan {_days(b)} hari kerja.")
            for d, b, s in zip(late["waktu_penyelesaian_hari_kerja"], late["batas_hari_kerja"],
                               late["status"], strict=True)]})
    over = steps[steps["over"].astype(bool)]
    step = pd.DataFrame({
        "case_id": over["case_id"], "jenis": "step_overtime", "langkah": over["activity"],
        "aktivitas": over["activity"], "waktu": over["timestamp"],
        "keterangan": [f"Langkah {a} berlangsung {_hours(s)} jam kerja, melebihi mutu baku {w}."
                       for a, s, w in zip(over["activity"], over["duration_working_s"],
                                          over["standar"], strict=True)]})
    return pd.concat([sla, step], ignore_index=True)


def _days(value: Any) -> str:
    return "–" if pd.isna(value) else f"{int(value)}"


def _hours(seconds: Any) -> str:
    return "–" if pd.isna(seconds) else f"{seconds / 3600:.1f}".replace(".", ",")


def _attach(devs: pd.DataFrame, events: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Add the case's layanan and unit, and the resource and role of the event concerned
    (same case, activity and time) to each deviation."""
    devs = devs.copy()
    devs["waktu"] = pd.to_datetime(devs["waktu"], utc=True, errors="coerce")
    devs = devs.merge(cases[["case_id", "layanan", "unit"]], on="case_id", how="left")
    who = events[["case_id", "activity", "timestamp", "resource", "role"]].copy()
    who["timestamp"] = who["timestamp"].dt.tz_convert("UTC")
    who = who.drop_duplicates(["case_id", "activity", "timestamp"])
    devs = devs.merge(who.rename(columns={"activity": "aktivitas", "timestamp": "waktu"}),
                      on=["case_id", "aktivitas", "waktu"], how="left")
    tz = events["timestamp"].dt.tz if len(events) else "UTC"
    devs["waktu"] = devs["waktu"].dt.tz_convert(tz)
    order = {j: i for i, j in enumerate(_JENIS_ORDER)}
    devs["_o"] = devs["jenis"].map(order).fillna(len(order))
    devs = devs.sort_values(["case_id", "waktu", "_o"], na_position="last", kind="stable")
    return devs.drop(columns="_o")[DEVIATION_COLUMNS].reset_index(drop=True)


_JENIS_ORDER = ("skipped_step", "extra_step", "wrong_order", "rework_over_limit", "wrong_role",
                "segregation_of_duties", "rule_violation", "step_overtime", "sla_breach")


# --- pseudonyms -----------------------------------------------------------------------------


EPHEMERAL_KEY_NOTE = (
    "no pseudonym key was found, so officers carry pseudonyms valid in this report only; set "
    "pseudonym_key_file (or SOPMINE_PSEUDONYM_KEY) to the key the logs were loaded with to keep "
    "them the same across reports")


def _pseudonym_key(settings: Settings, notes: list[str]) -> bytes:
    """The user's key; without one, a random key for this report alone (and a note saying so):
    officers are never shown by name or NIP either way."""
    import secrets

    from pipeline.ingest.pseudonym import load_key

    try:
        return load_key(settings.pseudonym_key_file)
    except ConfigError:
        notes.append(EPHEMERAL_KEY_NOTE)
        return secrets.token_bytes(32)


def _pseudonymise(devs: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Officers (``resource``, a NIP or user id) become keyed pseudonyms; values that already
    are pseudonyms stay as they are. One hash per distinct officer."""
    from pipeline.ingest.pseudonym import PREFIX, pseudonym

    out = devs.copy()
    names = {r: (r if r.startswith(PREFIX) else pseudonym(r, key))
             for r in out["resource"].dropna().unique() if isinstance(r, str) and r}
    out["resource"] = out["resource"].map(names)
    return out


# --- per service ----------------------------------------------------------------------------


def _service(wh: Warehouse, settings: Settings, events: pd.DataFrame, cases: pd.DataFrame,
             sop: Sop | None, layanan: str, p: Period, unit: str | None, coverage: float,
             draw_maps: bool, top_variants: int, library: Any) -> ServiceData:
    from pipeline import discover
    from pipeline.calendar import calendar_from_settings

    f = discover.Filter(period=(p.start, p.end), layanan=layanan, unit=unit,
                        timezone=settings.timezone)
    ids = set(cases.loc[cases["layanan"] == layanan, "case_id"])
    ev = events[events["case_id"].isin(ids)]
    found = discover.variants(wh, f)
    variants = found[["variant", "text", "cases", "share"]].head(top_variants)
    calendar = calendar_from_settings(settings, "default", unit)
    steps = _step_table(ev, settings, library, sop)
    bottlenecks = _bottlenecks(discover.bottlenecks(wh, calendar, f))
    svg: str | None = None
    notes: list[str] = []
    if draw_maps and sop is not None and len(found):
        svg, notes = _map(wh, f.with_(coverage=coverage), calendar, sop)
    return ServiceData(layanan, sop, variants.reset_index(drop=True), len(found), steps,
                       bottlenecks, svg, tuple(notes))


def _step_table(ev: pd.DataFrame, settings: Settings, library: Any,
                sop: Sop | None) -> pd.DataFrame:
    columns = ["langkah", "kegiatan", "pelaksana", "standar", "events", "median_s", "p90_s",
               "over", "share_over"]
    if sop is None or ev.empty:
        return pd.DataFrame(columns=columns)
    from pipeline.calendar import calendars_for_units

    calendars = calendars_for_units(settings, ev["unit"])
    calendars.setdefault("default", _default_calendar(settings))
    rows = _step_times(ev, sop, calendars)
    grouped = rows.groupby("activity")
    out = []
    for step in sop.langkah:
        if not step.dicatat or step.id not in grouped.groups:
            continue
        g = grouped.get_group(step.id)
        s = g["duration_working_s"].dropna()
        role = next((r.nama for r in sop.pelaksana if r.id == step.pelaksana), step.pelaksana)
        measured = g["standar"].notna() & g["duration_working_s"].notna()
        out.append({
            "langkah": step.id, "kegiatan": step.kegiatan, "pelaksana": role,
            "standar": str(step.mutu_baku.waktu) if step.mutu_baku.waktu else None,
            "events": len(g), "median_s": float(s.median()) if len(s) else np.nan,
            "p90_s": float(s.quantile(0.9)) if len(s) else np.nan,
            "over": int(g["over"].astype(bool).sum()),
            "share_over": (float(g.loc[measured, "over"].astype(bool).mean())
                           if measured.any() else np.nan)})
    return pd.DataFrame(out, columns=columns)


def _bottlenecks(found: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    columns = ["kind", "source", "target", "count", "total_working_s", "share"]
    if found.empty:
        return pd.DataFrame(columns=columns)
    out = found.groupby(["kind", "source", "target"], as_index=False).agg(
        count=("count", "sum"), total_working_s=("total_working_s", "sum"))
    total = out.groupby("kind")["total_working_s"].transform("sum")
    out["share"] = (out["total_working_s"] / total.where(total > 0)).fillna(0.0)
    out = out.sort_values(["kind", "share", "source", "target"],
                          ascending=[False, False, True, True])
    return out.groupby("kind", sort=False).head(top)[columns].reset_index(drop=True)


def _map(wh: Warehouse, f: Any, calendar: Any, sop: Sop) -> tuple[str | None, list[str]]:
    from pipeline import compare
    from pipeline.report.maps import dot_source, map_edges, render_svg

    try:
        flow = compare.sop_flow(sop)
        edges, notes = map_edges(wh, f, calendar, flow)
        unknown = compare.unknown_activities(edges["source"], flow)
        svg = render_svg(dot_source(edges, sop.identitas.judul, unknown=unknown))
    except ConfigError as exc:
        return None, [str(exc)]
    return svg[svg.find("<svg"):], notes



# --- quality and manifest -------------------------------------------------------------------


def _quality(wh: Warehouse, settings: Settings) -> tuple[dict[str, Any], pd.DataFrame]:
    from pipeline.ingest.quality import quality_summary

    loads = wh.df("""SELECT load_id, file_name, content_hash, file_format, mapping_name,
                            mapping_hash, rows_read, rows_loaded, rows_quarantined,
                            rows_duplicate, loaded_at
                     FROM loads ORDER BY load_id""")
    return quality_summary(wh, settings), loads


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("sopmine", "pandas", "duckdb", "plotly", "pm4py", "openpyxl", "jinja2",
                 "holidays"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "?"
    return out


def _file_hash(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _manifest(settings: Settings, current: Period, previous: Period, cut: pd.Timestamp,
              layanan: str | None, unit: str | None, library: Any, loads: pd.DataFrame,
              threshold: float, coverage: float, checked: bool) -> dict[str, Any]:
    from pipeline.calendar import calendar_from_settings, describe_hours

    sops = []
    for name in library.layanan:
        for model in library.versions(name):
            ident = model.sop.identitas if model.sop is not None else None
            sops.append({
                "layanan": name, "file": Path(model.file).name if model.file else None,
                "sha256": _file_hash(model.file) if model.file else None,
                "nomor_sop": ident.nomor_sop if ident else None,
                "judul": ident.judul if ident else model.name,
                "tanggal_efektif": str(model.tanggal_efektif) if model.tanggal_efektif else None,
            })
    cal = calendar_from_settings(settings)
    return {
        "period": current.label, "period_dates": [str(current.start), str(current.end)],
        "previous_period": [str(previous.start), str(previous.end)],
        "as_of": cut.isoformat(), "layanan": layanan, "unit": unit,
        "threshold": threshold, "map_coverage": coverage,
        "conformance_checked": checked,
        "inputs": [{"file": r["file_name"], "sha256": r["content_hash"],
                    "mapping": r["mapping_name"], "loaded_at": str(r["loaded_at"])}
                   for r in loads.to_dict("records")],
        "sops": sops,
        "calendar": {"name": "default", "timezone": settings.timezone,
                     "hours": describe_hours(cal)},
        "software": _versions(),
    }


def manifest_json(inputs: ReportInputs) -> str:
    """The manifest as the text of ``manifest.json``."""
    return json.dumps(inputs.manifest, ensure_ascii=False, indent=2, default=str) + "\n"


#: The name under which :func:`collect` is exported from :mod:`pipeline`.
collect_report = collect
