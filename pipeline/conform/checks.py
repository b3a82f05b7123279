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

from collections.abc import Callable, Mapping
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


def wrong_role(scope: Scope) -> pd.DataFrame:
    view = scope.view
    roles = dict(view.model.roles)
    if not roles:
        return empty_rows()
    expected = pd.DataFrame({"activity": list(roles),
                             "role_id": [r.strip().lower() for r in roles.values()],
                             "role_name": [view.role_name(r).strip().lower()
                                           for r in roles.values()]})
    with scope.wh.registered("_chk_roles", expected):
        # judged once per distinct (step, role), then the events of the wrong pairs
        bad = scope.wh.df(r"""
            WITH pairs AS (SELECT DISTINCT activity, role FROM _chk_ev
                           WHERE model = $model AND role IS NOT NULL),
                 wrong AS (SELECT p.activity, p.role FROM pairs p JOIN _chk_roles r
                           USING (activity)
                           WHERE lower(regexp_replace(p.role, '^\s+|\s+$', '', 'g'))
                                 NOT IN (r.role_id, r.role_name))
            SELECT e.case_id, e.pos, e.activity, e.timestamp, e.resource, e.role
            FROM _chk_ev e JOIN wrong w ON e.activity = w.activity AND e.role = w.role
            WHERE e.model = $model
            ORDER BY e.case_id, e.pos""", {"model": scope.key})
    sentences = [
        text("wrong_role", scope.language, step=view.step_words(a), resource=r or "-",
             peran=role, pelaksana=f"{view.role_name(roles[a])} ({roles[a]})")
        for a, r, role in zip(bad["activity"], bad["resource"].where(bad["resource"].notna(), None),
                              bad["role"], strict=True)]
    return _rows(bad, "wrong_role", sentences)


def segregation_of_duties(scope: Scope) -> pd.DataFrame:
    """The first event of the second step done by a resource who also did the first."""
    sop = scope.view.sop
    if sop is None:
        return empty_rows()
    parts = []
    for rule in sop.aturan:
        if not isinstance(rule, PemisahanTugas):
            continue
        a, b = rule.langkah
        hit = scope.wh.df("""
            WITH ev AS (SELECT case_id, pos, activity, timestamp, resource FROM _chk_ev
                        WHERE model = ? AND activity IN (?, ?) AND resource IS NOT NULL),
                 both_steps AS (SELECT case_id, resource FROM ev GROUP BY case_id, resource
                                HAVING count(DISTINCT activity) = 2)
            SELECT case_id, min(pos) AS pos, arg_min(activity, pos) AS activity,
                   arg_min(timestamp, pos) AS timestamp, arg_min(resource, pos) AS resource
            FROM ev JOIN both_steps USING (case_id, resource)
            WHERE activity = ? GROUP BY case_id ORDER BY case_id""", [scope.key, a, b, b])
        sentences = [text("segregation_of_duties", scope.language, langkah_a=a, langkah_b=b,
                          resource=r) for r in hit["resource"]]
        parts.append(_rows(hit, "segregation_of_duties", sentences))
    return pd.concat(parts, ignore_index=True) if parts else empty_rows()


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


def step_overtime(scope: Scope) -> pd.DataFrame:
    """Candidates come as numbers (row id, standard, unit, instants as ns): no text column
    crosses to Python until a step is found over its standard."""
    limits = dict(scope.view.model.waktu)
    if not limits:
        return empty_rows()
    names = sorted(limits)
    floors = pa.table({"activity": names, "k": list(range(len(names))),
                       "floor_s": [elapsed_floor(limits[a]) for a in names]})
    with scope.wh.registered("_chk_limits", floors):
        found = scope.wh.arrow("""
            SELECT e.rowid AS id, l.k, e.unit,
                   epoch_ns(coalesce(e.start_timestamp, e.prev_ts)) AS origin_ns,
                   epoch_ns(e.timestamp) AS end_ns
            FROM _chk_ev e JOIN _chk_limits l USING (activity)
            WHERE e.model = ? AND coalesce(e.start_timestamp, e.prev_ts) IS NOT NULL
              AND epoch(e.timestamp) - epoch(coalesce(e.start_timestamp, e.prev_ts))
                  > l.floor_s""", [scope.key])
    if found.num_rows == 0:
        return empty_rows()
    ids = found.column("id").to_numpy()
    k = found.column("k").to_numpy()
    start = found.column("origin_ns").to_numpy().astype("datetime64[ns]")
    end = found.column("end_ns").to_numpy().astype("datetime64[ns]")
    units = pd.Series(found.column("unit").to_pandas(), dtype=object)
    hit_ids, hit_seconds, hit_days = [], [], []
    for where, cal in scope.calendar_groups(units):
        over, seconds, days = _over(cal, start[where], end[where],
                                    [limits[names[j]] for j in k[where]])
        hit_ids.append(ids[where][over])
        hit_seconds.append(seconds[over])
        hit_days.append(days[over])
    hits = pa.table({"id": np.concatenate(hit_ids), "seconds": np.concatenate(hit_seconds),
                     "days": np.concatenate(hit_days)})
    if hits.num_rows == 0:
        return empty_rows()
    with scope.wh.registered("_chk_hits", hits):
        hit = scope.wh.df("""SELECT e.case_id, e.pos, e.activity, e.timestamp, h.seconds, h.days
                             FROM _chk_hits h JOIN _chk_ev e ON e.rowid = h.id
                             ORDER BY e.case_id, e.pos""")
    sentences = [text("step_overtime", scope.language, step=scope.view.step_words(a),
                      lama=_length_words(s, d, limits[a], scope.language),
                      standar=limits[a].text)
                 for a, s, d in zip(hit["activity"], hit["seconds"], hit["days"], strict=True)]
    return _rows(hit, "step_overtime", sentences)


def service_table(scope: Scope) -> pd.DataFrame | None:
    """The service-standard verdict per case (:func:`pipeline.timing.judge_service`), or None
    when there is no promise.

    The clock is worked out in SQL by the rules of :func:`pipeline.timing.service_status`: it
    stops at the first ``selesai`` (else at the last event of a finished case: one with
    ``selesai`` or an end step) and starts at the last ``mulai`` before the stop (before the
    report date while open; without ``mulai``: the first event). Also the event that stopped
    the clock (the first of the case at that instant), for the deviation row."""
    promise = scope.view.model.jangka_waktu
    if promise is None or scope.cases.empty:
        return None
    sop = scope.view.sop
    mulai = sop.standar_pelayanan.mulai if sop is not None else None
    selesai = sop.standar_pelayanan.selesai if sop is not None else None
    ends = sorted(scope.view.end_steps)
    with stage("clock (SQL)"):
        clock = _clock(scope, selesai, mulai, ends)
    with stage("deadlines and verdicts"):
        for column in ("clock_start", "clock_stop"):
            clock[column] = _utc_naive(clock[column])
        return judge_service(clock, dict(scope.calendars), promise, scope.as_of)


def _clock(scope: Scope, selesai: str | None, mulai: str | None, ends: list[str]
           ) -> pd.DataFrame:
    return scope.wh.df("""
        WITH ev AS (SELECT case_id, pos, activity, timestamp, unit FROM _chk_ev
                    WHERE model = $model),
        per_case AS (
            SELECT case_id, any_value(unit) AS unit, arg_min(timestamp, pos) AS first_ts,
                   max(timestamp) AS last_ts,
                   min(timestamp) FILTER (WHERE activity = $selesai) AS stop_selesai,
                   bool_or(list_contains($ends, activity)) AS has_end
            FROM ev GROUP BY case_id),
        stopped AS (
            SELECT *, stop_selesai IS NOT NULL OR has_end AS finished,
                   coalesce(stop_selesai, CASE WHEN has_end THEN last_ts END) AS clock_stop
            FROM per_case)
        -- back to the events only for mulai and the instant of the stop (few per case)
        SELECT s.case_id, any_value(s.unit) AS unit, any_value(s.finished) AS finished,
               any_value(s.clock_stop) AS clock_stop,
               CASE WHEN $mulai IS NULL THEN any_value(s.first_ts)
                    ELSE max(e.timestamp) FILTER (WHERE e.activity = $mulai AND e.timestamp <=
                        CASE WHEN s.finished THEN s.clock_stop ELSE $cut END) END AS clock_start,
               min(e.pos) FILTER (WHERE e.timestamp = s.clock_stop) AS stop_pos,
               arg_min(e.activity, e.pos) FILTER (WHERE e.timestamp = s.clock_stop)
                   AS stop_activity
        FROM stopped s LEFT JOIN ev e ON e.case_id = s.case_id
             AND (e.activity = $mulai OR e.timestamp = s.clock_stop)
        GROUP BY s.case_id
        ORDER BY s.case_id""", {"model": scope.key, "selesai": selesai, "mulai": mulai,
                                "ends": ends, "cut": scope.as_of.to_pydatetime()})


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


CASE_CHECKS: dict[str, Callable[[Scope], pd.DataFrame]] = {
    "wrong_role": wrong_role,
    "segregation_of_duties": segregation_of_duties,
    "step_overtime": step_overtime,
}
