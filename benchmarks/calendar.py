"""Benchmark: working time, "3 hari kerja" deadlines and working days elapsed for 1,000,000
random intervals (2024-2026, WIB), vectorised on the calendar table versus a naive per-row
Python loop (timed on a subset and extrapolated; the figure says so).

    .venv/bin/python benchmarks/calendar.py [--rows 1000000] [--loop-rows 20000]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named calendar.py: keep its folder off sys.path so the stdlib calendar wins.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import time  # noqa: E402

import holidays  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.calendar import (  # noqa: E402
    WorkingCalendar,
    add_working_days,
    working_days_elapsed,
    working_seconds,
)

TZ = "Asia/Jakarta"
HOURS = {0: ((450, 720), (780, 960)), 4: ((450, 690), (780, 990))}  # minutes; Mon-Thu as 0


def random_intervals(rows: int, seed: int = 7) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    lo = pd.Timestamp("2024-01-01", tz=TZ).value // 10**9
    hi = pd.Timestamp("2026-10-01", tz=TZ).value // 10**9
    start = rng.integers(lo, hi, rows)
    end = start + rng.integers(0, 30 * 86400, rows)
    as_ts = lambda s: pd.Series(pd.to_datetime(s, unit="s", utc=True)).dt.tz_convert(TZ)  # noqa: E731
    return as_ts(start), as_ts(end)


def naive_row(
    start: dt.datetime, end: dt.datetime, off: set[dt.date]
) -> tuple[float, dt.datetime, int]:
    """One row the obvious way: walk the days, sum office-hour overlaps, count working days."""

    def periods(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if day.weekday() >= 5 or day in off:
            return []
        midnight = dt.datetime.combine(day, dt.time(), start.tzinfo)
        return [
            (midnight + dt.timedelta(minutes=a), midnight + dt.timedelta(minutes=b))
            for a, b in HOURS.get(day.weekday(), HOURS[0])
        ]

    total, day = 0.0, start.date()
    while day <= end.date():
        for a, b in periods(day):
            total += max(0.0, (min(b, end) - max(a, start)).total_seconds())
        day += dt.timedelta(days=1)
    day = start.date()  # day 0: first working day whose close is after the start
    while not periods(day) or periods(day)[-1][1] <= start:
        day += dt.timedelta(days=1)
    first, counted = day, 0
    while counted < 3:
        day += dt.timedelta(days=1)
        counted += bool(periods(day))
    due = periods(day)[-1][1]
    elapsed, day = 0, first
    while day < end.date():
        day += dt.timedelta(days=1)
        ps = periods(day)
        elapsed += bool(ps) and ps[0][0] <= end
    return total, due, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=20_000)
    args = parser.parse_args()
    cal = WorkingCalendar()
    start, end = random_intervals(args.rows)
    working_seconds(cal, start[:10], end[:10])  # build the cached calendar table once

    t0 = time.perf_counter()
    seconds = working_seconds(cal, start, end)
    due = add_working_days(cal, start, 3)
    days = working_days_elapsed(cal, start, end)
    vectorised = time.perf_counter() - t0

    k = min(args.loop_rows, args.rows)
    off = set(
        holidays.country_holidays(
            "ID", years=range(2023, 2028), categories=("public", "government")
        )
    )
    rows = list(zip(start[:k].dt.to_pydatetime(), end[:k].dt.to_pydatetime(), strict=True))
    t0 = time.perf_counter()
    naive = [naive_row(s, e, off) for s, e in rows]
    loop = time.perf_counter() - t0
    agree = (
        np.array_equal(seconds[:k], [r[0] for r in naive])
        and all(due[i] == r[1] for i, r in enumerate(naive))
        and np.array_equal(days[:k], [r[2] for r in naive])
    )
    print(f"rows: {args.rows:,} intervals, 2024-2026, {cal.tz}, holidays {cal.holidays_version}")
    print(f"vectorised (working time + 3 hari kerja deadline + working days): {vectorised:.2f} s")
    print(
        f"naive per-row Python loop: {loop:.2f} s for {k:,} rows, extrapolated to "
        f"{args.rows:,} rows: {loop * args.rows / k:.1f} s ({loop * args.rows / k / vectorised:.0f}x slower)"
    )
    print(f"the two agree on the {k:,} rows timed: {agree}")


if __name__ == "__main__":
    main()
