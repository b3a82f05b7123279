"""Per-case checks that need who did a step or when: set-based over the events of one model.

Each check is a function ``check(group) -> DataFrame`` of deviation rows (columns
:data:`ROW_COLUMNS`), listed in :data:`CASE_CHECKS` under its code:

- ``wrong_role``: an event whose role (the log's role column, filled from the mapping's staff
  table at ingest or from ``staff`` at check time) is neither the id nor the name of the step's
  ``pelaksana``. Events without a role are not judged.
- ``segregation_of_duties``: one resource did both steps of a ``pemisahan_tugas`` rule.
- ``step_overtime``: a step took longer than its ``mutu_baku.waktu``, measured from its start
  (where recorded) or the previous event's completion, on the working calendar.
- ``sla_breach``: the service-standard promise is broken, or an open case is already overdue
  at the report date (:func:`pipeline.timing.service_status`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline import calendar as wc
from pipeline.calendar import WorkingCalendar
from pipeline.conform.model import ModelView
from pipeline.durations import Duration
from pipeline.sop import PemisahanTugas
from pipeline.texts import duration_words, text
from pipeline.timing import service_status

ROW_COLUMNS = ["case_id", "pos", "jenis", "langkah", "aktivitas", "waktu", "keterangan"]


@dataclass
class Group:
    """The cases of one model version and their events, ready for the per-case checks.

    ``events``: case_id, pos (index in the case), activity, timestamp, start_timestamp,
    resource, role, unit, sorted by case and pos. ``cases``: case_id, unit, open, events.
    ``calendars``: unit -> working calendar, with a ``default`` entry.
    """

    view: ModelView
    events: pd.DataFrame
    cases: pd.DataFrame
    calendars: Mapping[str, WorkingCalendar]
    as_of: pd.Timestamp
    language: str = "id"

    def calendar_groups(self, units: pd.Series) -> list[tuple[np.ndarray, WorkingCalendar]]:
        """Row positions per calendar, chosen by each row's unit."""
        default = self.calendars["default"]
        chosen = [self.calendars.get(str(u), default) if not pd.isna(u) else default
                  for u in units]
        out: dict[WorkingCalendar, list[int]] = {}
        for i, cal in enumerate(chosen):
            out.setdefault(cal, []).append(i)
        return [(np.asarray(rows, dtype=np.int64), cal) for cal, rows in out.items()]


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
        "aktivitas": frame["activity"].to_numpy(), "waktu": frame["timestamp"].to_numpy(),
        "keterangan": keterangan,
    }).astype({"waktu": "datetime64[ns, UTC]"})


def wrong_role(group: Group) -> pd.DataFrame:
    view = group.view
    roles = dict(view.model.roles)
    ev = group.events
    ev = ev[ev["role"].notna() & ev["activity"].isin(list(roles))]
    if ev.empty:
        return empty_rows()
    expected = ev["activity"].map(roles)
    given = ev["role"].astype(str).str.strip().str.casefold()
    ok = (given == expected.str.casefold()) | (
        given == expected.map(view.role_name).str.casefold())
    bad = ev[~ok.to_numpy()]
    sentences = [
        text("wrong_role", group.language, step=view.step_words(a), resource=r or "-",
             peran=role, pelaksana=f"{view.role_name(roles[a])} ({roles[a]})")
        for a, r, role in zip(bad["activity"], bad["resource"].where(bad["resource"].notna(), None),
                              bad["role"], strict=True)]
    return _rows(bad, "wrong_role", sentences)


def segregation_of_duties(group: Group) -> pd.DataFrame:
    sop = group.view.sop
    if sop is None:
        return empty_rows()
    parts = []
    for rule in sop.aturan:
        if not isinstance(rule, PemisahanTugas):
            continue
        a, b = rule.langkah
        ev = group.events
        ev = ev[ev["activity"].isin([a, b]) & ev["resource"].notna()]
        both = ev.groupby(["case_id", "resource"], sort=False)["activity"].transform("nunique")
        hit = ev[(both == 2).to_numpy() & (ev["activity"] == b).to_numpy()]
        hit = hit.sort_values(["case_id", "pos"]).drop_duplicates("case_id")
        sentences = [text("segregation_of_duties", group.language, langkah_a=a, langkah_b=b,
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


def _over(cal: WorkingCalendar, start: Any, end: Any, duration: Duration
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(over the standard?, seconds in the standard's sense, working days) per row."""
    days = wc.working_days_elapsed(cal, start, end)
    if duration.kind == "working":
        seconds = wc.working_seconds(cal, start, end)
        return seconds > duration.seconds, seconds, days
    seconds = wc.calendar_seconds(start, end)
    if duration.kind == "calendar":
        return seconds > duration.seconds, seconds, days
    due = wc.deadline(cal, start, duration)
    return np.asarray(pd.DatetimeIndex(end) > due), seconds, days


def step_overtime(group: Group) -> pd.DataFrame:
    limits = dict(group.view.model.waktu)
    ev = group.events
    if not limits or ev.empty:
        return empty_rows()
    previous = ev["timestamp"].shift(1).where(ev["pos"] > 0)
    origin = ev["start_timestamp"].where(ev["start_timestamp"].notna(), previous)
    ev = ev.assign(origin=origin)
    ev = ev[ev["activity"].isin(list(limits)) & ev["origin"].notna()].reset_index(drop=True)
    parts = []
    for activity, rows in ev.groupby("activity", sort=True):
        duration = limits[str(activity)]
        for where, cal in group.calendar_groups(rows["unit"]):
            sub = rows.iloc[where]
            over, seconds, days = _over(cal, pd.DatetimeIndex(sub["origin"]),
                                        pd.DatetimeIndex(sub["timestamp"]), duration)
            hit = sub[over]
            sentences = [text("step_overtime", group.language,
                              step=group.view.step_words(str(activity)),
                              lama=_length_words(s, d, duration, group.language),
                              standar=duration.text)
                         for s, d in zip(seconds[over], days[over], strict=True)]
            parts.append(_rows(hit, "step_overtime", sentences))
    return pd.concat(parts, ignore_index=True) if parts else empty_rows()


def service_table(group: Group) -> pd.DataFrame | None:
    """:func:`pipeline.timing.service_status` per case, or None when there is no promise."""
    promise = group.view.model.jangka_waktu
    if promise is None or group.events.empty:
        return None
    sop = group.view.sop
    mulai = sop.standar_pelayanan.mulai if sop is not None else None
    selesai = sop.standar_pelayanan.selesai if sop is not None else None
    calendars = dict(group.calendars)
    return service_status(group.events, calendars, promise, as_of=group.as_of, mulai=mulai,
                          selesai=selesai, end_activities=list(group.view.end_steps))


def sla_breach(group: Group, status: pd.DataFrame | None = None) -> pd.DataFrame:
    status = service_table(group) if status is None else status
    promise = group.view.model.jangka_waktu
    if status is None or promise is None:
        return empty_rows()
    late = status[status["status"].isin(["late", "open_overdue"])]
    if late.empty:
        return empty_rows()
    n_events: dict[Any, Any] = dict(zip(group.cases["case_id"], group.cases["events"], strict=True))
    stops = group.events.merge(
        late[["case_id", "clock_stop"]].dropna(), left_on=["case_id", "timestamp"],
        right_on=["case_id", "clock_stop"]).drop_duplicates("case_id", keep="first")
    stop_event = dict(zip(stops["case_id"], stops["activity"], strict=True))
    stop_pos: dict[Any, Any] = dict(zip(stops["case_id"], stops["pos"], strict=True))
    rows: list[tuple[Any, ...]] = []
    records: list[dict[Any, Any]] = late.to_dict("records")
    for case in records:
        case_id = case["case_id"]
        if case["status"] == "late":
            seconds = case["working_s"] if promise.kind == "working" else case["calendar_s"]
            sentence = text("sla_breach", group.language, janji=promise.text,
                            lama=_length_words(float(seconds), float(case["working_days"]),
                                               promise, group.language))
            activity = stop_event.get(case_id)
            rows.append((case_id, int(stop_pos.get(case_id, n_events[case_id])), activity,
                         activity, case["clock_stop"], sentence))
        else:
            due = pd.Timestamp(case["due"]).tz_convert(group.calendars["default"].tz)
            sentence = text("sla_breach_open", group.language, janji=promise.text,
                            batas=due.strftime("%Y-%m-%d %H:%M %Z"))
            rows.append((case_id, int(n_events[case_id]), None, None, pd.NaT, sentence))
    out = pd.DataFrame(rows, columns=["case_id", "pos", "langkah", "aktivitas", "waktu",
                                      "keterangan"])
    out.insert(2, "jenis", "sla_breach")
    out["waktu"] = pd.to_datetime(out["waktu"], utc=True)
    return out[ROW_COLUMNS]


CASE_CHECKS: dict[str, Callable[[Group], pd.DataFrame]] = {
    "wrong_role": wrong_role,
    "segregation_of_duties": segregation_of_duties,
    "step_overtime": step_overtime,
}
