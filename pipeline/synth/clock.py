"""Working time as whole minutes on a line: the generator's clock.

Every working minute of the calendar gets a number (its *position*): the first opening of the
table is 0, and closed time (nights, weekends, holidays, *cuti bersama*, breaks) takes no
numbers. Adding a working duration is then plain integer addition, and a position maps back to
an instant that always lies inside office hours on a working day. A position that falls exactly
on a close maps to the next opening, so no event is ever written at a closing time.

The clock reuses the working-interval table of :mod:`pipeline.calendar` (the same intervals the
timing measures use), so generator and checker agree on every holiday and break.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import calendar as wc
from pipeline.calendar import WorkingCalendar

NS_PER_MIN = 60_000_000_000


@dataclass(frozen=True)
class Clock:
    """Working minutes of one calendar between two years (inclusive)."""

    cal: WorkingCalendar
    starts: np.ndarray  # UTC ns of each working interval
    before: np.ndarray  # working minutes before each interval
    cum_end: np.ndarray  # working minutes at the end of each interval
    day_first: list[int]  # per working day: position of its opening
    day_last: list[int]  # per working day: position of its close
    day_dates: list[dt.date]  # per working day: its local date

    @classmethod
    def build(cls, cal: WorkingCalendar, first: dt.date, last: dt.date) -> Clock:
        lo = pd.Timestamp(first, tz=cal.tz).value
        hi = pd.Timestamp(last, tz=cal.tz).value
        table = wc._table_for(cal, [np.array([lo, hi], dtype=np.int64)], extra_days=800)
        lengths = (table.ends - table.starts) // NS_PER_MIN
        cum_end = np.cumsum(lengths)
        before = cum_end - lengths
        opens = np.searchsorted(table.starts, table.day_open)
        closes = np.searchsorted(table.ends, table.day_close)
        dates = pd.DatetimeIndex(table.day_open).tz_localize("UTC").tz_convert(cal.tz).date
        return cls(cal, table.starts, before, cum_end, [int(x) for x in before[opens]],
                   [int(x) for x in cum_end[closes]], list(dates))

    # --- scalar helpers for the per-case loop ---

    def day_of(self, pos: int) -> int:
        """Index of the working day holding ``pos`` (a close belongs to the next day)."""
        return bisect_right(self.day_last, pos)

    def close_of(self, day: int) -> int:
        return self.day_last[min(day, len(self.day_last) - 1)]

    def open_of(self, day: int) -> int:
        return self.day_first[min(day, len(self.day_first) - 1)]

    def first_day_on_or_after(self, date: dt.date) -> int:
        return bisect_right(self.day_dates, date - dt.timedelta(days=1))

    # --- vectorised conversion ---

    def instants(self, positions: np.ndarray) -> pd.DatetimeIndex:
        """The instants of working-minute positions, in the calendar's zone."""
        pos = np.asarray(positions, dtype=np.int64)
        k = np.searchsorted(self.cum_end, pos, side="right")
        if k.size and int(k.max()) >= self.starts.size:
            raise ValueError("a generated time lies beyond the working-calendar table")
        ns = self.starts[k] + (pos - self.before[k]) * NS_PER_MIN
        return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(self.cal.tz)
