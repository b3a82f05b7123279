"""Per-case checks that need who did a step or when, set-based in DuckDB over one model's events.

The events stay in the warehouse (TEMP table ``_chk_ev``, made by :mod:`.check`: case_id, pos,
activity, timestamp, start_timestamp, prev_ts, resource, role, unit, is_last, model); only the
events a check finds, or cannot rule out in SQL, come to Python. Each check is a function
``check(scope) -> DataFrame`` of deviation rows (columns :data:`ROW_COLUMNS`), listed in
:data:`CASE_CHECKS` under its code:

- ``wrong_role``: an event whose role (the log's role column, filled from the mapping's staff
  table at ingest or from ``staff`` at check time) is neither the id nor the name of the step's
  ``pelaksana``. Events without a role are not judged.
- ``segregation_of_duties``: one resource did both steps of a ``pemisahan_tugas`` rule.
- ``step_overtime``: a step took longer than its ``mutu_baku.waktu``, measured from its start
  (where recorded) or the previous event's completion, on the working calendar. SQL keeps the
  steps whose elapsed time could exceed the standard (working time never exceeds elapsed
  time; working day N never closes before N-1 days have passed), the calendar decides.
- ``sla_breach``: the service-standard promise is broken, or an open case is already overdue
  at the report date (the clock in SQL, the verdict by :func:`pipeline.timing.judge_service`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import calendar as wc
from pipeline.calendar import WorkingCalendar
from pipeline.conform.model import ModelView
from pipeline.durations import Duration
from pipeline.sop import PemisahanTugas
from pipeline.stopwatch import stage
from pipeline.texts import duration_words, text
from pipeline.timing import calendar_groups, judge_service
from pipeline.warehouse import Warehouse

ROW_COLUMNS = ["case_id", "pos", "jenis", "langkah", "aktivitas", "waktu", "keterangan"]


@dataclass
class Scope:
    """The cases of one model version, ready for the per-case checks.

    ``key``: the model's number in ``_chk_ev.model``. ``cases``: case_id, unit, events, open,
    first_ts, last_ts of its cases. ``calendars``: unit -> working calendar, with a
    ``default`` entry.
    """

    wh: Warehouse
    view: ModelView
    key: int
    cases: pd.DataFrame
    calendars: Mapping[str, WorkingCalendar]
    as_of: pd.Timestamp
    language: str = "id"

    def calendar_groups(self, units: pd.Series) -> list[tuple[np.ndarray, WorkingCalendar]]:
        """Row positions per calendar, chosen by each row's unit."""
        return calendar_groups(pd.Series(units, dtype=object), self.calendars)


def empty_rows() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ROW_COLUMNS})
    frame["pos"] = frame["pos"].astype(np.int64)
    frame["waktu"] = pd.Series(dtype="datetime64[ns, UTC]")
    return frame


def _rows(frame: pd.DataFrame, jenis: str, keterangan: list[str]) -> pd.DataFrame:
    """Deviation rows from events (case_id, pos, activity, timestamp) and their sentences."""
    if frame.empty:
        return empty_rows()
    return pd.DataFrame({
        "case_id": frame["case_id"].to_numpy(), "pos": frame["pos"].to_numpy(np.int64),
        "jenis": jenis, "langkah": frame["activity"].to_numpy(),
        "aktivitas": frame["activity"].to_numpy(),
        # the DatetimeIndex, not .to_numpy(): that gives one Timestamp object per row
        "waktu": pd.DatetimeIndex(frame["timestamp"]).tz_convert("UTC"),
        "keterangan": keterangan,
    })


def wrong_role(scopes: Sequence[Scope]) -> pd.DataFrame:
    expected = [(sc.key, a, r.strip().lower(), sc.view.role_name(r).strip().lower())
                for sc in scopes for a, r in sc.view.model.roles.items()]
    if not expected:
        return empty_rows()
    table = pd.DataFrame(expected, columns=["model", "activity", "role_id", "role_name"])
    wh, language = scopes[0].wh, scopes[0].language
    with wh.registered("_chk_roles", table):
        # judged once per distinct (model, step, role), then the events of the wrong pairs
        bad = wh.df(r"""
            WITH pairs AS (SELECT DISTINCT model, activity, role FROM _chk_ev
                           WHERE role IS NOT NULL),
                 wrong AS (SELECT p.model, p.activity, p.role FROM pairs p JOIN _chk_roles r
                           ON r.model = p.model AND r.activity = p.activity
                           WHERE lower(regexp_replace(p.role, '^\s+|\s+$', '', 'g'))
                                 NOT IN (r.role_id, r.role_name))
            SELECT e.model, e.case_id, e.pos, e.activity, e.timestamp, e.resource, e.role
            FROM _chk_ev e JOIN wrong w
              ON e.model = w.model AND e.activity = w.activity AND e.role = w.role
            ORDER BY e.case_id, e.pos""")
    views = {sc.key: sc.view for sc in scopes}
    sentences = []
    for m, a, r, role in zip(bad["model"], bad["activity"],
                             bad["resource"].where(bad["resource"].notna(), None), bad["role"],
                             strict=True):
        view = views[m]
        pelaksana = view.model.roles[a]
        sentences.append(text("wrong_role", language, step=view.step_words(a), resource=r or "-",
                              peran=role, pelaksana=f"{view.role_name(pelaksana)} ({pelaksana})"))
    return _rows(bad, "wrong_role", sentences)


def segregation_of_duties(scopes: Sequence[Scope]) -> pd.DataFrame:
    """The first event of the second step done by a resource who also did the first."""
    rules = [(sc.key, rule.langkah[0], rule.langkah[1]) for sc in scopes if sc.view.sop
             for rule in sc.view.sop.aturan if isinstance(rule, PemisahanTugas)]
    if not rules:
        return empty_rows()
    # one row per step of a rule, so that events meet their rules by equality
    steps = pd.DataFrame([(k, m, step, step == b) for k, (m, a, b) in enumerate(rules)
                          for step in (a, b)], columns=["rule", "model", "activity", "second"])
    wh = scopes[0].wh
    with wh.registered("_chk_sod", steps):
        hit = wh.df("""
            WITH ev AS (SELECT r.rule, r.second, e.case_id, e.pos, e.activity, e.timestamp,
                               e.resource
                        FROM _chk_ev e JOIN _chk_sod r
                          ON e.model = r.model AND e.activity = r.activity
                        WHERE e.resource IS NOT NULL),
                 both_steps AS (SELECT rule, case_id, resource FROM ev
                                GROUP BY rule, case_id, resource
                                HAVING count(DISTINCT activity) = 2)
            SELECT rule, case_id, min(pos) AS pos, arg_min(activity, pos) AS activity,
                   arg_min(timestamp, pos) AS timestamp, arg_min(resource, pos) AS resource
            FROM ev JOIN both_steps USING (rule, case_id, resource)
            WHERE second GROUP BY rule, case_id ORDER BY rule, case_id""")
    sentences = [text("segregation_of_duties", scopes[0].language, langkah_a=rules[k][1],
                      langkah_b=rules[k][2], resource=r)
                 for k, r in zip(hit["rule"], hit["resource"], strict=True)]
    return _rows(hit, "segregation_of_duties", sentences)


def _length_words(seconds: float, days: float, duration: Duration, language: str) -> str:
    if duration.kind == "working_days":
        return text("working_days", language, n=int(days))
    if duration.kind == "working":
        return text("working_time", language,
                    waktu=duration_words(seconds, language, with_days=False))
    return text("calendar_time", language, waktu=duration_words(seconds, language))


def elapsed_floor(duration: Duration) -> float:
    """Elapsed seconds at or below which a step cannot be over ``duration``: working time
    never exceeds elapsed time, and the close of working day N (counted from day 0 of the
    start, which closes after the start) comes at least N-1 days after the start."""
    if duration.kind == "working_days":
        return max(duration.days - 1, 0) * 86_400.0
    return duration.seconds


def _over(cal: WorkingCalendar, start: np.ndarray, end: np.ndarray, standard: list[Duration]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(over its standard?, seconds in the standard's sense, working days) per step, the
    calendar arithmetic done once per calendar and kind of standard, not per activity.
    ``start``/``end``: UTC datetime64[ns]; ``standard``: each step's duration."""
    days = wc.working_days_elapsed(cal, start, end)
    seconds = wc.calendar_seconds(start, end)
    over = np.zeros(len(start), dtype=bool)
    kinds = np.array([d.kind for d in standard], dtype=object)
    working = kinds == "working"
    if working.any():
        seconds[working] = wc.working_seconds(cal, start[working], end[working])
    which = np.array([id(d) for d in standard], dtype=np.int64)
    for duration in {id(d): d for d in standard}.values():
        mine = which == id(duration)
        if duration.kind == "working_days":
            due = wc.deadline(cal, start[mine], duration)
            over[mine] = end[mine] > due.tz_convert("UTC").tz_localize(None).to_numpy()
        else:
            over[mine] = seconds[mine] > duration.seconds
    return over, seconds, days


def step_overtime(scopes: Sequence[Scope]) -> pd.DataFrame:
    """Candidates come as numbers (row id, standard, unit, instants as ns): no text column
    crosses to Python until a step is found over its standard."""
    standards = [(sc, a, d) for sc in scopes for a, d in sorted(sc.view.model.waktu.items())]
    if not standards:
        return empty_rows()
    floors = pa.table({"model": [sc.key for sc, _, _ in standards],
                       "activity": [a for _, a, _ in standards],
                       "k": list(range(len(standards))),
                       "floor_s": [elapsed_floor(d) for _, _, d in standards]})
    wh = scopes[0].wh
    with wh.registered("_chk_limits", floors):
        found = wh.arrow("""
            SELECT e.rowid AS id, l.k, e.model, e.unit,
                   epoch_ns(coalesce(e.start_timestamp, e.prev_ts)) AS origin_ns,
                   epoch_ns(e.timestamp) AS end_ns
            FROM _chk_ev e JOIN _chk_limits l
              ON e.model = l.model AND e.activity = l.activity
            WHERE coalesce(e.start_timestamp, e.prev_ts) IS NOT NULL
              AND epoch(e.timestamp) - epoch(coalesce(e.start_timestamp, e.prev_ts))
                  > l.floor_s""")
    if found.num_rows == 0:
        return empty_rows()
    ids = found.column("id").to_numpy()
    k = found.column("k").to_numpy()
    models = found.column("model").to_numpy()
    start = found.column("origin_ns").to_numpy().astype("datetime64[ns]")
    end = found.column("end_ns").to_numpy().astype("datetime64[ns]")
    units = pd.Series(found.column("unit").to_pandas(), dtype=object)
    hit_ids, hit_seconds, hit_days = [], [], []
    for sc in scopes:
        mine = np.flatnonzero(models == sc.key)
        for where, cal in sc.calendar_groups(units.iloc[mine]):
            rows = mine[where]
            over, seconds, days = _over(cal, start[rows], end[rows],
                                        [standards[j][2] for j in k[rows]])
            hit_ids.append(ids[rows][over])
            hit_seconds.append(seconds[over])
            hit_days.append(days[over])
    hits = pa.table({"id": np.concatenate(hit_ids), "seconds": np.concatenate(hit_seconds),
                     "days": np.concatenate(hit_days)})
    if hits.num_rows == 0:
        return empty_rows()
    with wh.registered("_chk_hits", hits):
        hit = wh.df("""SELECT e.model, e.case_id, e.pos, e.activity, e.timestamp, h.seconds,
                              h.days
                       FROM _chk_hits h JOIN _chk_ev e ON e.rowid = h.id
                       ORDER BY e.case_id, e.pos""")
    views = {sc.key: sc.view for sc in scopes}
    language = scopes[0].language
    sentences = []
    for m, a, sec, d in zip(hit["model"], hit["activity"], hit["seconds"], hit["days"],
                            strict=True):
        view = views[m]
        limit = view.model.waktu[a]
        sentences.append(text("step_overtime", language, step=view.step_words(a),
                              lama=_length_words(sec, d, limit, language), standar=limit.text))
    return _rows(hit, "step_overtime", sentences)


def service_tables(scopes: Sequence[Scope]) -> dict[int, pd.DataFrame]:
    """The service-standard verdict per case (:func:`pipeline.timing.judge_service`) for each
    model with a promise, by model number.

    The clock is worked out in SQL, for every model in one pass, by the rules of
    :func:`pipeline.timing.service_status`: it stops at the first ``selesai`` (else at the
    last event of a finished case: one with ``selesai`` or an end step) and starts at the last
    ``mulai`` before the stop (before the report date while open; without ``mulai``: the
    first event). Also the event that stopped the clock (the first of the case at that
    instant), for the deviation row."""
    promised = [sc for sc in scopes
                if sc.view.model.jangka_waktu is not None and not sc.cases.empty]
    if not promised:
        return {}
    sides = [(sc.view.sop.standar_pelayanan if sc.view.sop is not None else None)
             for sc in promised]
    rules = pd.DataFrame({
        "model": pd.Series([sc.key for sc in promised], dtype="int64"),
        "mulai": pd.Series([s.mulai if s else None for s in sides], dtype=object)})
    # the steps that stop the clock, one row per (model, step): joined, not a list per event
    stops = pd.DataFrame(
        [(sc.key, a, a in sc.view.end_steps, bool(s and a == s.selesai))
         for sc, s in zip(promised, sides, strict=True)
         for a in sorted(set(sc.view.end_steps) | ({s.selesai} if s and s.selesai else set()))],
        columns=["model", "activity", "is_end", "is_selesai"]).astype(
            {"model": "int64", "activity": object, "is_end": bool, "is_selesai": bool})
    wh = promised[0].wh
    with stage("clock (SQL)"), wh.registered("_chk_clock_rules", rules), \
            wh.registered("_chk_clock_stops", stops):
        clock = _clock(wh, promised[0].as_of)
    out = {}
    with stage("deadlines and verdicts"):
        for column in ("clock_start", "clock_stop"):
            clock[column] = _utc_naive(clock[column])
        parts = dict(iter(clock.groupby("model", sort=False)))
        for sc in promised:
            mine = parts.get(sc.key, clock.iloc[:0]).drop(columns="model").reset_index(drop=True)
            promise = sc.view.model.jangka_waktu
            if promise is not None:  # as chosen above
                out[sc.key] = judge_service(mine, dict(sc.calendars), promise, sc.as_of)
    return out


def _clock(wh: Warehouse, cut: pd.Timestamp) -> pd.DataFrame:
    # _chk_ev is read twice but never copied: a CTE of the events would be materialised
    # (with the rules on every row), which spills at ten million events
    return wh.df("""
        WITH per_case AS (
            SELECT e.model, e.case_id, any_value(e.unit) AS unit,
                   arg_min(e.timestamp, e.pos) AS first_ts, max(e.timestamp) AS last_ts,
                   min(e.timestamp) FILTER (WHERE k.is_selesai) AS stop_selesai,
                   coalesce(bool_or(k.is_end), false) AS has_end
            FROM _chk_ev e SEMI JOIN _chk_clock_rules r ON r.model = e.model
            LEFT JOIN _chk_clock_stops k ON k.model = e.model AND k.activity = e.activity
            GROUP BY e.model, e.case_id),
        stopped AS (
            SELECT p.*, r.mulai, p.stop_selesai IS NOT NULL OR p.has_end AS finished,
                   coalesce(p.stop_selesai, CASE WHEN p.has_end THEN p.last_ts END) AS clock_stop
            FROM per_case p JOIN _chk_clock_rules r ON r.model = p.model)
        -- back to the events only for mulai and the instant of the stop (few per case)
        SELECT s.model, s.case_id, any_value(s.unit) AS unit,
               any_value(s.finished) AS finished, any_value(s.clock_stop) AS clock_stop,
               CASE WHEN any_value(s.mulai) IS NULL THEN any_value(s.first_ts)
                    ELSE max(e.timestamp) FILTER (WHERE e.activity = s.mulai AND e.timestamp <=
                        CASE WHEN s.finished THEN s.clock_stop ELSE $cut END) END AS clock_start,
               min(e.pos) FILTER (WHERE e.timestamp = s.clock_stop) AS stop_pos,
               arg_min(e.activity, e.pos) FILTER (WHERE e.timestamp = s.clock_stop)
                   AS stop_activity
        FROM stopped s LEFT JOIN _chk_ev e ON e.case_id = s.case_id
             AND (e.activity = s.mulai OR e.timestamp = s.clock_stop)
        GROUP BY s.model, s.case_id
        ORDER BY s.model, s.case_id""", {"cut": cut.to_pydatetime()})


def _utc_naive(values: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None).as_unit("ns").to_numpy()


def sla_breach(scope: Scope, status: pd.DataFrame | None) -> pd.DataFrame:
    promise = scope.view.model.jangka_waktu
    if status is None or promise is None:
        return empty_rows()
    late = status[status["status"].isin(["late", "open_overdue"])]
    if late.empty:
        return empty_rows()
    # an open case's row comes after its last event
    n_events = pd.Series(scope.cases["events"].to_numpy(), index=scope.cases["case_id"]
                         ).reindex(late["case_id"]).to_numpy()
    zone = scope.calendars["default"].tz
    rows: list[tuple[Any, ...]] = []
    for case_id, verdict, working_s, calendar_s, days, stop, stop_pos, activity, due, last in zip(
            late["case_id"], late["status"], late["working_s"], late["calendar_s"],
            late["working_days"], late["clock_stop"], late["stop_pos"], late["stop_activity"],
            late["due"], n_events, strict=True):
        if verdict == "late":
            seconds = working_s if promise.kind == "working" else calendar_s
            sentence = text("sla_breach", scope.language, janji=promise.text,
                            lama=_length_words(float(seconds), float(days), promise,
                                               scope.language))
            where = int(stop_pos) if not pd.isna(stop_pos) else int(last)
            rows.append((case_id, where, activity, activity, stop, sentence))
        else:
            when = pd.Timestamp(due).tz_localize("UTC").tz_convert(zone)
            sentence = text("sla_breach_open", scope.language, janji=promise.text,
                            batas=when.strftime("%Y-%m-%d %H:%M %Z"))
            rows.append((case_id, int(last), None, None, pd.NaT, sentence))
    out = pd.DataFrame(rows, columns=["case_id", "pos", "langkah", "aktivitas", "waktu",
                                      "keterangan"])
    out.insert(2, "jenis", "sla_breach")
    out["waktu"] = pd.to_datetime(out["waktu"], utc=True)
    return out[ROW_COLUMNS]


CASE_CHECKS: dict[str, Callable[[Sequence[Scope]], pd.DataFrame]] = {
    "wrong_role": wrong_role,
    "segregation_of_duties": segregation_of_duties,
    "step_overtime": step_overtime,
}
