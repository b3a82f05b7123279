"""Timing measures over an event log: turnaround, step durations, service-standard status.

Each measure is one function with a ``level=`` argument. ``level="case"`` (``"event"`` for step
durations) gives one row per case (event); the other levels summarise those rows per ``step``
(activity), ``unit``, ``month`` (local month of the start, in the calendar's zone), ``resource``
(a case counts once for every resource that worked on it) or the whole ``log``: a count, then
P50, P90 and mean of every measure, and for service status the count per status and the shares
on time.

Events carry the canonical columns (:mod:`pipeline.columns`) with tz-aware timestamps, sorted by
case, timestamp and file order. Times are in seconds: ``*_calendar_s`` elapsed, ``*_working_s``
inside office hours; ``working_days`` is the number of the working day of the end, counted from
day 0 of the start (deadline semantics, ``sop-format.md``). ``calendar`` is one
:class:`~pipeline.calendar.WorkingCalendar` or a mapping unit -> calendar (key ``"default"`` for
the rest), applied per case by the case's unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipeline import calendar as wc
from pipeline.calendar import WorkingCalendar
from pipeline.columns import ACTIVITY, CASE_ID, LAYANAN, RESOURCE, START_TIMESTAMP, TIMESTAMP, UNIT
from pipeline.durations import Duration, parse_duration
from pipeline.errors import ConfigError

Calendars = WorkingCalendar | Mapping[str, WorkingCalendar]
CASE_LEVELS = ("case", "unit", "month", "resource", "log")
STEP_LEVELS = ("event", "step", "case", "unit", "month", "resource", "log")
STATUSES = ("on_time", "late", "open_not_due", "open_overdue", "unmeasured")
_KEYS = {"case": CASE_ID, "step": ACTIVITY, "unit": UNIT, "month": "month", "resource": RESOURCE}
_NAT = np.iinfo(np.int64).min


# --- helpers --------------------------------------------------------------------------------


def _utc(values: Any) -> np.ndarray:
    """datetime64[ns] (UTC) of a tz-aware column; NaT stays NaT."""
    return wc._ns(values).view("datetime64[ns]")


def _check_level(level: str, allowed: tuple[str, ...], measure: str) -> None:
    if level not in allowed:
        raise ValueError(f"{measure}: level '{level}' is not one of {', '.join(allowed)}")


def calendar_groups(units: pd.Series, calendar: Calendars) -> list[tuple[np.ndarray, WorkingCalendar]]:
    """Row positions per distinct calendar, the calendar chosen by each row's unit."""
    if isinstance(calendar, WorkingCalendar):
        return [(np.arange(len(units)), calendar)]
    codes, uniques = pd.factorize(units, use_na_sentinel=False)
    chosen: list[WorkingCalendar] = []
    for unit in uniques:
        cal = calendar.get(str(unit)) if not pd.isna(unit) else None
        cal = cal or calendar.get("default")
        if cal is None:
            raise ConfigError(
                f"Unit '{unit}' has no working calendar; add it to the calendars or give a 'default' one."
            )
        chosen.append(cal)
    distinct = list(dict.fromkeys(chosen))
    index_of = np.array([distinct.index(c) for c in chosen], dtype=np.int64)
    row_cal = index_of[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    return [(np.flatnonzero(row_cal == j), cal) for j, cal in enumerate(distinct)]


def _per_calendar(
    groups: list[tuple[np.ndarray, WorkingCalendar]],
    n: int,
    fn: Callable[..., Any],
    *cols: np.ndarray,
) -> np.ndarray:
    """Apply ``fn(cal, *cols)`` per calendar group; float results, NaN-filled."""
    out = np.full(n, np.nan)
    for pos, cal in groups:
        if pos.size:
            out[pos] = fn(cal, *(c[pos] for c in cols))
    return out


def _instants_per_calendar(
    groups: list[tuple[np.ndarray, WorkingCalendar]],
    n: int,
    fn: Callable[..., pd.DatetimeIndex],
    col: np.ndarray,
) -> np.ndarray:
    out = np.full(n, _NAT, dtype=np.int64).view("datetime64[ns]")
    for pos, cal in groups:
        if pos.size:
            out[pos] = (
                fn(cal, col[pos]).tz_convert("UTC").tz_localize(None).as_unit("ns").to_numpy()
            )
    return out


def _months(groups: list[tuple[np.ndarray, WorkingCalendar]], instants: np.ndarray) -> np.ndarray:
    """Local 'YYYY-MM' of each instant in its calendar's zone (None for NaT)."""
    code = np.zeros(instants.size, dtype=np.int64)
    for pos, cal in groups:
        local = pd.DatetimeIndex(instants[pos]).tz_localize("UTC").tz_convert(cal.tz)
        code[pos] = np.where(local.isna(), 0, local.year * 100 + local.month)
    found, inverse = np.unique(code, return_inverse=True)
    labels = np.array([f"{c // 100:04d}-{c % 100:02d}" if c else None for c in found], dtype=object)
    return labels[inverse]


def _per_case(
    codes: np.ndarray, n: int, values: np.ndarray, mask: np.ndarray, how: str
) -> np.ndarray:
    """Per case (by factorized code), the min or max of ``values`` where ``mask``; NaT if none."""
    out = np.full(n, _NAT, dtype=np.int64).view("datetime64[ns]")
    found = pd.Series(values[mask]).groupby(codes[mask]).agg(how)
    out[found.index.to_numpy()] = found.to_numpy()
    return out


def _case_units(events: pd.DataFrame) -> pd.Series:
    """Per event, the unit of its case (first non-empty unit of the case)."""
    if UNIT not in events:
        return pd.Series([None] * len(events), index=events.index, dtype=object)
    return events.groupby(CASE_ID, sort=False)[UNIT].transform("first")


def _summarise(rows: pd.DataFrame, level: str, measures: list[str], count: str) -> pd.DataFrame:
    if level == "log":
        rows = rows.assign(log="log")
        key = "log"
    else:
        key = _KEYS[level]
        if key not in rows:
            raise ValueError(f"level '{level}' needs a '{key}' column in the log")
    grouped = rows.groupby(key, sort=True, dropna=False)
    out = grouped.size().to_frame(count)
    for m in measures:
        out[f"{m}_p50"] = grouped[m].quantile(0.5)
        out[f"{m}_p90"] = grouped[m].quantile(0.9)
        out[f"{m}_mean"] = grouped[m].mean()
    out = out.reset_index()
    return out.drop(columns="log") if level == "log" else out


def _by_resource(cases: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    if RESOURCE not in events:
        raise ValueError("level 'resource' needs a 'resource' column in the log")
    pairs = events[[CASE_ID, RESOURCE]].dropna().drop_duplicates()
    return cases.drop(columns=[RESOURCE], errors="ignore").merge(pairs, on=CASE_ID)


def _cases(events: pd.DataFrame) -> pd.DataFrame:
    """One row per case: unit, layanan, first and last instants (UTC), number of events."""
    grouped = events.groupby(CASE_ID, sort=False)
    first = pd.DatetimeIndex(_utc(events[TIMESTAMP]))
    if START_TIMESTAMP in events:
        starts = pd.DatetimeIndex(_utc(events[START_TIMESTAMP]))
        first = pd.DatetimeIndex(np.where(starts.isna() | (starts > first), first, starts))
    frame = pd.DataFrame(
        {CASE_ID: events[CASE_ID].to_numpy(), "_first": first, "_last": _utc(events[TIMESTAMP])}
    )
    times = frame.groupby(CASE_ID, sort=False).agg(
        start=("_first", "min"), end=("_last", "max"), events=("_last", "size")
    )
    extra = [c for c in (UNIT, LAYANAN) if c in events]
    cases = grouped[extra].first() if extra else pd.DataFrame(index=times.index)
    return cases.join(times).reset_index()


def _finish(frame: pd.DataFrame, tz: Any, instants: list[str]) -> pd.DataFrame:
    for col in instants:
        frame[col] = pd.DatetimeIndex(frame[col]).tz_localize("UTC").tz_convert(tz)
    return frame


# --- measures -------------------------------------------------------------------------------


def turnaround(
    events: pd.DataFrame,
    calendar: Calendars,
    level: str = "case",
    end_activities: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Turnaround per case from its first event (start time if recorded) to its last completion.

    Columns at the case level: ``case_id``, ``unit``, ``layanan``, ``start``, ``end``, ``events``,
    ``month``, ``calendar_s``, ``working_s``, ``working_days`` and, when ``end_activities`` is
    given, ``finished``; the other levels then summarise finished cases only.
    """
    _check_level(level, CASE_LEVELS, "turnaround")
    cases = _cases(events)
    groups = calendar_groups(cases[UNIT] if UNIT in cases else pd.Series([None] * len(cases)), calendar)
    start, end = cases["start"].to_numpy(), cases["end"].to_numpy()
    cases["month"] = _months(groups, start)
    cases["calendar_s"] = wc.calendar_seconds(start, end)
    cases["working_s"] = _per_calendar(groups, len(cases), wc.working_seconds, start, end)
    cases["working_days"] = _per_calendar(groups, len(cases), wc.working_days_elapsed, start, end)
    if end_activities is not None:
        done = events.loc[events[ACTIVITY].isin(set(end_activities)), CASE_ID].unique()
        cases["finished"] = cases[CASE_ID].isin(done)
    cases = _finish(cases, events[TIMESTAMP].dt.tz, ["start", "end"])
    if level == "case":
        return cases
    rows = cases[cases["finished"]] if "finished" in cases else cases
    if level == "resource":
        rows = _by_resource(rows, events)
    return _summarise(rows, level, ["calendar_s", "working_s", "working_days"], "cases")


def step_durations(events: pd.DataFrame, calendar: Calendars, level: str = "step") -> pd.DataFrame:
    """Duration of each step, split into waiting and processing where start times exist.

    A step lasts from its start (if recorded) or else the previous completion in its case to its
    completion. ``waiting`` runs from the previous completion to the start (0 when work started
    before the previous step completed), ``processing`` from start to completion (NaN when the
    log has no start, or it is after the completion). ``level="event"`` gives one row per event.
    """
    _check_level(level, STEP_LEVELS, "step_durations")
    n = len(events)
    done = _utc(events[TIMESTAMP])
    codes = pd.factorize(events[CASE_ID])[0]
    prev = np.full(n, _NAT, dtype=np.int64).view("datetime64[ns]")
    if n > 1:
        same = codes[1:] == codes[:-1]
        prev[1:] = np.where(same, done[:-1], prev[1:])
    begun = (
        _utc(events[START_TIMESTAMP])
        if START_TIMESTAMP in events
        else np.full(n, _NAT, dtype=np.int64).view("datetime64[ns]")
    )
    has_start = ~np.isnat(begun)
    origin = np.where(has_start, begun, prev)
    groups = calendar_groups(_case_units(events), calendar)
    cols = [c for c in (CASE_ID, ACTIVITY, RESOURCE, UNIT, LAYANAN) if c in events]
    rows = events[cols].reset_index(drop=True)
    rows["month"] = _months(groups, done)
    for name, a, b in (
        ("duration", origin, done),
        ("waiting", prev, begun),
        ("processing", begun, done),
    ):
        rows[f"{name}_calendar_s"] = wc.calendar_seconds(a, b)
        rows[f"{name}_working_s"] = _per_calendar(groups, n, wc.working_seconds, a, b)
    for col in ("waiting_calendar_s", "waiting_working_s"):
        rows[col] = rows[col].clip(lower=0)
    bad = (rows["processing_calendar_s"] < 0).to_numpy()
    rows.loc[
        bad,
        [
            "processing_calendar_s",
            "processing_working_s",
            "duration_calendar_s",
            "duration_working_s",
        ],
    ] = np.nan
    if level == "event":
        rows[TIMESTAMP] = events[TIMESTAMP].reset_index(drop=True)
        return rows
    measures = [
        f"{a}_{b}_s" for a in ("duration", "waiting", "processing") for b in ("calendar", "working")
    ]
    return _summarise(rows, level, measures, "events")


def judge_service(
    cases: pd.DataFrame, calendar: Calendars, duration: Duration, cut: pd.Timestamp
) -> pd.DataFrame:
    """The verdict of each case from its clock: ``clock_start`` (NaT: ``mulai`` never done),
    ``clock_stop`` (NaT while open), ``finished`` and ``unit``, instants as UTC
    datetime64[ns]. Adds ``due``, ``month``, ``calendar_s``, ``working_s``, ``working_days``
    (up to the stop, or to ``cut`` while open) and ``status``. Shared by
    :func:`service_status` and the checker, which works the clock out in SQL."""
    cut64 = np.datetime64(cut.tz_convert("UTC").tz_localize(None).as_unit("ns"))
    n = len(cases)
    begin = cases["clock_start"].to_numpy(dtype="datetime64[ns]")
    finished = cases["finished"].to_numpy(dtype=bool)
    until = np.where(finished, cases["clock_stop"].to_numpy(dtype="datetime64[ns]"), cut64)
    groups = calendar_groups(cases[UNIT] if UNIT in cases else pd.Series([None] * n), calendar)
    cases["due"] = _instants_per_calendar(
        groups, n, lambda c, s: wc.deadline(c, s, duration), begin
    )
    cases["month"] = _months(groups, begin)
    cases["calendar_s"] = wc.calendar_seconds(begin, until)
    cases["working_s"] = _per_calendar(groups, n, wc.working_seconds, begin, until)
    cases["working_days"] = _per_calendar(groups, n, wc.working_days_elapsed, begin, until)
    if duration.kind == "working":
        late = cases["working_s"].to_numpy() > duration.seconds
    elif duration.kind == "calendar":
        late = cases["calendar_s"].to_numpy() > duration.seconds
    else:
        late = until > cases["due"].to_numpy(dtype="datetime64[ns]")
    status = np.where(
        finished, np.where(late, "late", "on_time"), np.where(late, "open_overdue", "open_not_due")
    )
    cases["status"] = np.where(np.isnat(begin), "unmeasured", status)
    return cases


def service_status(
    events: pd.DataFrame,
    calendar: Calendars,
    promise: Duration | str,
    *,
    as_of: Any,
    mulai: str | None = None,
    selesai: str | None = None,
    end_activities: Iterable[str] | None = None,
    level: str = "case",
) -> pd.DataFrame:
    """Service-standard verdict per case at the cut-off ``as_of`` (events after it are ignored).

    The clock stops at the first completion of ``selesai`` (default: the last event of a
    finished case) and starts at the last completion of ``mulai`` before the stop, or before
    ``as_of`` for an open case (default: the case's first event). A case is finished when it
    has ``selesai`` or an event in ``end_activities`` (every case is finished when neither is
    given). Status: ``on_time``, ``late``, ``open_not_due``, ``open_overdue``, or
    ``unmeasured`` when ``mulai`` never completed. Working days follow deadline semantics: on
    time when done by the close of office hours of working day N. Summaries add the count per
    status, ``share_on_time`` (of cases with a verdict: finished or overdue) and
    ``share_on_time_finished``.
    """
    _check_level(level, CASE_LEVELS, "service_status")
    duration = parse_duration(promise) if isinstance(promise, str) else promise
    cut = pd.Timestamp(as_of)
    if cut.tzinfo is None:
        raise ValueError(
            "as_of must carry a time zone, e.g. pd.Timestamp('2025-06-30 23:59', tz='Asia/Jakarta')"
        )
    cut64 = np.datetime64(cut.tz_convert("UTC").tz_localize(None).as_unit("ns"))
    events = events[_utc(events[TIMESTAMP]) <= cut64]
    cases = _cases(events)
    n = len(cases)
    codes = pd.factorize(events[CASE_ID])[0]
    ts = _utc(events[TIMESTAMP])
    acts = events[ACTIVITY].to_numpy()
    none = np.zeros(len(events), dtype=bool)
    stop = _per_case(codes, n, ts, acts == selesai if selesai else none, "min")
    finished = ~np.isnat(stop)
    if end_activities is not None:
        ends = np.isin(acts, list(end_activities))
        finished |= np.bincount(codes[ends], minlength=n) > 0
    elif selesai is None:
        finished[:] = True
    stop = np.where(np.isnat(stop) & finished, cases["end"].to_numpy(), stop)
    until = np.where(finished, stop, cut64)
    if mulai:
        begin = _per_case(codes, n, ts, (acts == mulai) & (ts <= until[codes]), "max")
    else:
        begin = ts[np.unique(codes, return_index=True)[1]] if n else ts[:0]
    cases["clock_start"], cases["clock_stop"] = begin, np.where(finished, stop, np.datetime64("NaT"))
    cases["finished"] = finished
    cases = judge_service(cases, calendar, duration, cut)
    cases = _finish(
        cases, events[TIMESTAMP].dt.tz, ["start", "end", "clock_start", "clock_stop", "due"]
    )
    if level == "case":
        return cases
    rows = _by_resource(cases, events) if level == "resource" else cases
    measured = rows.where(rows["finished"])[["calendar_s", "working_s", "working_days"]]
    out = _summarise(
        rows.drop(columns=measured.columns).join(measured), level, list(measured.columns), "cases"
    )
    key = None if level == "log" else _KEYS[level]
    counts = pd.crosstab(rows[key] if key else pd.Series("log", index=rows.index), rows["status"])
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts = counts.reset_index(drop=key is None)
    out = out.merge(counts, on=key) if key else pd.concat([out, counts], axis=1)
    verdicts = out["on_time"] + out["late"] + out["open_overdue"]
    out["share_on_time"] = out["on_time"] / verdicts.where(verdicts > 0)
    done = out["on_time"] + out["late"]
    out["share_on_time_finished"] = out["on_time"] / done.where(done > 0)
    return out
