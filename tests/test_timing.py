"""Timing measures on tiny logs, written as the analyst would read them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from pipeline.calendar import WorkingCalendar, calendar_from_settings, calendars_for_units
from pipeline.durations import parse_duration
from pipeline.errors import ConfigError
from pipeline.timing import service_status, step_durations, turnaround

WIB = "Asia/Jakarta"
H = 3600.0
CAL = WorkingCalendar()


def log(rows: list[tuple], start_times: bool = False) -> pd.DataFrame:
    """Rows of (case, activity, completion, resource, unit[, start]) in WIB."""
    cols = ["case_id", "activity", "timestamp", "resource", "unit"] + (
        ["start_timestamp"] if start_times else []
    )
    frame = pd.DataFrame(rows, columns=cols)
    for col in ("timestamp", "start_timestamp"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col]).dt.tz_localize(WIB)
    frame["layanan"] = "ktp-el"
    return frame


KTP = log(
    [
        # started on the Nyepi cuti bersama, handed over on day 3 after Lebaran: on time
        ("K1", "ajukan", "2025-03-28 09:00", "fo1", "dukcapil"),
        ("K1", "periksa", "2025-03-28 10:00", "fo1", "dukcapil"),
        ("K1", "serahkan", "2025-04-11 16:00", "fo1", "dukcapil"),
        # handed over on day 3, but after closing time: late
        ("K2", "ajukan", "2025-04-08 08:00", "fo1", "dukcapil"),
        ("K2", "periksa", "2025-04-08 09:00", "fo2", "dukcapil"),
        ("K2", "serahkan", "2025-04-11 17:00", "fo2", "dukcapil"),
        # still open on Mon 14/4 noon, due Fri 11/4: overdue
        ("K3", "ajukan", "2025-04-08 09:00", "fo2", "dukcapil"),
        ("K3", "periksa", "2025-04-08 10:00", "fo2", "dukcapil"),
        # still open, checked Wed 9/4: due Mon 14/4 16:00, not yet due
        ("K4", "ajukan", "2025-04-09 09:00", "fo1", "dukcapil"),
        ("K4", "periksa", "2025-04-09 10:00", "fo1", "dukcapil"),
        # never checked: the clock has not started
        ("K5", "ajukan", "2025-04-10 09:00", "fo1", "dukcapil"),
    ]
)
AS_OF = pd.Timestamp("2025-04-14 12:00", tz=WIB)


def status_of(frame: pd.DataFrame, **kwargs) -> dict[str, str]:
    table = service_status(frame, CAL, kwargs.pop("promise", "3 hari kerja"), **kwargs)
    return dict(zip(table["case_id"], table["status"], strict=True))


def test_ktp_cases_get_the_four_verdicts_and_the_unchecked_one_is_unmeasured():
    assert status_of(KTP, as_of=AS_OF, mulai="periksa", selesai="serahkan") == {
        "K1": "on_time",
        "K2": "late",
        "K3": "open_overdue",
        "K4": "open_not_due",
        "K5": "unmeasured",
    }


def test_ktp_due_dates_and_day_numbers():
    table = service_status(
        KTP, CAL, "3 hari kerja", as_of=AS_OF, mulai="periksa", selesai="serahkan"
    ).set_index("case_id")
    assert table.loc["K1", "due"] == pd.Timestamp("2025-04-11 16:30", tz=WIB)
    assert table.loc["K4", "due"] == pd.Timestamp("2025-04-14 16:00", tz=WIB)
    # K2 finished on day 3 like K1; only the hour makes it late.
    assert table.loc["K1", "working_days"] == table.loc["K2", "working_days"] == 3
    assert table.loc["K1", "clock_start"] == pd.Timestamp("2025-03-28 10:00", tz=WIB)
    assert pd.isna(table.loc["K3", "clock_stop"])


def test_cut_off_before_handover_leaves_the_case_open():
    early = pd.Timestamp("2025-04-10 12:00", tz=WIB)
    assert status_of(KTP, as_of=early, mulai="periksa", selesai="serahkan")["K1"] == "open_not_due"
    later = pd.Timestamp("2025-04-14 08:00", tz=WIB)
    assert status_of(KTP, as_of=later, mulai="periksa", selesai="serahkan")["K1"] == "on_time"


def test_clock_restarts_at_the_last_check_before_handover():
    # The file came back incomplete and was checked again on Thu 10/4: day 0 moves to 10/4.
    rechecked = log(
        [
            ("R1", "periksa", "2025-04-08 09:00", "fo1", "dukcapil"),
            ("R1", "periksa", "2025-04-10 09:00", "fo1", "dukcapil"),
            ("R1", "serahkan", "2025-04-15 15:00", "fo1", "dukcapil"),
            ("R1", "periksa", "2025-04-16 09:00", "fo1", "dukcapil"),  # after the handover
        ]
    )
    table = service_status(
        rechecked,
        CAL,
        "3 hari kerja",
        as_of=AS_OF + pd.Timedelta(days=7),
        mulai="periksa",
        selesai="serahkan",
    )
    assert table.loc[0, "clock_start"] == pd.Timestamp("2025-04-10 09:00", tz=WIB)
    assert table.loc[0, "status"] == "on_time"


def test_without_mulai_and_selesai_the_case_runs_first_to_last_event_and_end_activities_decide():
    got = status_of(KTP, as_of=AS_OF, end_activities={"serahkan"})
    # K2 counted from ajukan 08:00 Tue 8/4, still done after closing on day 3: late
    assert got["K1"] == "on_time" and got["K2"] == "late" and got["K3"] == "open_overdue"
    assert got["K5"] == "open_not_due"


def test_promises_in_working_minutes_and_calendar_days():
    short = log(
        [
            ("S1", "ajukan", "2025-01-10 16:20", "fo1", "dukcapil"),
            ("S1", "entri", "2025-01-13 07:40", "fo1", "dukcapil"),  # 10 + 10 working minutes
            ("S2", "ajukan", "2025-01-13 11:50", "fo1", "dukcapil"),
            ("S2", "entri", "2025-01-13 13:10", "fo1", "dukcapil"),  # 10 + 10 working minutes
            ("S3", "ajukan", "2025-01-13 09:00", "fo1", "dukcapil"),
            ("S3", "entri", "2025-01-13 09:30", "fo1", "dukcapil"),
        ]
    )
    got = status_of(short, promise="15 menit", as_of=AS_OF)
    assert got == {"S1": "late", "S2": "late", "S3": "late"}
    assert status_of(short, promise=parse_duration("30 menit"), as_of=AS_OF) == {
        "S1": "on_time",
        "S2": "on_time",
        "S3": "on_time",
    }
    # "2 hari": 16:20 Fri to 07:40 Mon is 2 days 15 h 20 min of calendar time
    assert status_of(short, promise="2 hari", as_of=AS_OF)["S1"] == "late"
    assert status_of(short, promise="3 hari", as_of=AS_OF)["S1"] == "on_time"


def test_summary_per_unit_counts_statuses_and_shares_on_time():
    table = service_status(
        KTP, CAL, "3 hari kerja", as_of=AS_OF, mulai="periksa", selesai="serahkan", level="unit"
    )
    row = table.set_index("unit").loc["dukcapil"]
    assert (
        row["cases"],
        row["on_time"],
        row["late"],
        row["open_overdue"],
        row["open_not_due"],
        row["unmeasured"],
    ) == (5, 1, 1, 1, 1, 1)
    assert row["share_on_time"] == pytest.approx(1 / 3)  # K1 of K1, K2, K3
    assert row["share_on_time_finished"] == 0.5
    assert row["working_days_p50"] == 3  # finished cases only


def test_log_level_is_computed_from_the_case_level():
    cases = turnaround(KTP, CAL)
    whole = turnaround(KTP, CAL, level="log")
    assert whole.loc[0, "cases"] == 5
    assert whole.loc[0, "working_s_p50"] == cases["working_s"].median()
    assert whole.loc[0, "calendar_s_p90"] == pytest.approx(cases["calendar_s"].quantile(0.9))


def test_turnaround_of_k1_in_calendar_and_working_time():
    row = turnaround(KTP, CAL).set_index("case_id").loc["K1"]
    # Tue 8/4 to Thu 10/4: 3 x 7.5 h; Fri 11/4 07:30-11:30 and 13:00-16:00: 7 h.
    assert row["working_s"] == 29.5 * H
    assert (
        row["calendar_s"]
        == (pd.Timestamp("2025-04-11 16:00") - pd.Timestamp("2025-03-28 09:00")).total_seconds()
    )
    assert row["working_days"] == 3
    assert row["month"] == "2025-03"


def test_turnaround_per_month_and_resource_counts_finished_cases_only():
    per_month = turnaround(KTP, CAL, level="month", end_activities={"serahkan"})
    assert dict(zip(per_month["month"], per_month["cases"], strict=True)) == {
        "2025-03": 1,
        "2025-04": 1,
    }
    per_resource = turnaround(KTP, CAL, level="resource", end_activities={"serahkan"})
    assert dict(zip(per_resource["resource"], per_resource["cases"], strict=True)) == {
        "fo1": 2,
        "fo2": 1,
    }


def test_steps_split_waiting_and_processing_over_the_lunch_break():
    timed = log(
        [
            ("T1", "periksa", "2025-01-13 10:00", "fo1", "dukcapil", "2025-01-13 09:50"),
            ("T1", "entri", "2025-01-13 13:15", "fo1", "dukcapil", "2025-01-13 11:45"),
            ("T1", "validasi", "2025-01-13 14:00", "val", "dukcapil", None),
        ],
        start_times=True,
    )
    rows = step_durations(timed, CAL, level="event").set_index("activity")
    # entri waited 10:00-11:45 and was worked 11:45-13:15, of which 12:00-13:00 is the break
    assert rows.loc["entri", "waiting_working_s"] == 105 * 60
    assert rows.loc["entri", "processing_calendar_s"] == 90 * 60
    assert rows.loc["entri", "processing_working_s"] == 30 * 60
    assert rows.loc["entri", "duration_working_s"] == 30 * 60
    # validasi has no start time: completion to completion, no split
    assert rows.loc["validasi", "duration_working_s"] == 45 * 60
    assert np.isnan(rows.loc["validasi", "processing_working_s"])
    assert rows.loc["periksa", "processing_working_s"] == 600
    assert np.isnan(rows.loc["periksa", "waiting_working_s"])


def test_step_level_summaries():
    per_step = step_durations(KTP, CAL, level="step").set_index("activity")
    assert per_step.loc["periksa", "events"] == 4
    # K1 was checked on cuti bersama (no working time), K2-K4 each took an hour
    assert per_step.loc["periksa", "duration_working_s_p50"] == H
    per_case = step_durations(KTP, CAL, level="case").set_index("case_id")
    assert per_case.loc["K1", "duration_working_s_p90"] == pytest.approx(0.9 * 29.5 * H)
    assert set(step_durations(KTP, CAL, level="resource")["resource"]) == {"fo1", "fo2"}


def test_wita_unit_is_measured_on_its_own_clock():
    settings = SimpleNamespace(
        calendars={"default": {"units": {"upt-samarinda": {"timezone": "WITA"}}}}
    )
    cals = calendars_for_units(settings, ["dukcapil", "upt-samarinda"])
    same_utc = log(
        [
            ("D", "ajukan", "2025-01-13 07:00", "a", "dukcapil"),
            ("D", "serahkan", "2025-01-13 19:00", "a", "dukcapil"),
            ("W", "ajukan", "2025-01-13 07:00", "a", "upt-samarinda"),
            ("W", "serahkan", "2025-01-13 19:00", "a", "upt-samarinda"),
        ]
    )
    # 07:00-19:00 WIB is 08:00-20:00 WITA: 7.5 h of office time in WIB, 7 h in WITA
    got = turnaround(same_utc, cals).set_index("case_id")["working_s"]
    assert got.to_dict() == {"D": 7.5 * H, "W": 7 * H}
    with pytest.raises(ConfigError, match="no working calendar"):
        turnaround(same_utc, {"dukcapil": calendar_from_settings(settings)})


def test_dukcapil_open_on_cuti_bersama_meets_an_earlier_deadline():
    settings = SimpleNamespace(
        calendars={"default": {"units": {"dukcapil": {"open": ["2025-04-07"]}}}}
    )
    cals = calendars_for_units(settings, ["dukcapil"])
    table = service_status(
        KTP, cals, "3 hari kerja", as_of=AS_OF, mulai="periksa", selesai="serahkan"
    )
    k1 = table.set_index("case_id").loc["K1"]
    assert k1["due"] == pd.Timestamp("2025-04-10 16:00", tz=WIB)
    assert k1["status"] == "late"


def test_unknown_levels_are_refused():
    with pytest.raises(ValueError, match="level 'step'"):
        turnaround(KTP, CAL, level="step")
    with pytest.raises(ValueError, match="time zone"):
        service_status(KTP, CAL, "3 hari kerja", as_of="2025-04-14")
