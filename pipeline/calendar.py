"""Working time on the Indonesian calendar (``sop-format.md``, section *Durations*).

A :class:`WorkingCalendar` is a value: a time zone, office hours per weekday with breaks, an
optional Ramadan profile, the days off of the ``holidays`` package (country ``ID``, categories
``public`` and ``government``; the latter holds *cuti bersama*), local closed days and days a
unit opened despite a day off. Build one with :func:`calendar_from_settings`.

Settings: a table ``[calendar.NAME]`` of ``sopmine.toml``; every key is optional and the
``default`` calendar, an empty table, means the spec's calendar::

    [calendar.default]
    timezone = "Asia/Jakarta"      # WIB, WITA, WIT or an IANA name
    hours = {fri = "07:30-16:30"}  # per weekday (mon..sun or senin..minggu), merged over the
                                   # defaults Mon-Thu 07:30-16:00, Fri 07:30-16:30; "" closes a day
    breaks = {mon = "12:00-13:00"} # merged over the defaults 12:00-13:00, Fri 11:30-13:00;
                                   # "" removes a break, a list gives several
    country = "ID"
    holiday_categories = ["public", "government"]
    closed = ["2025-08-23"]        # local closed days
    open = ["2025-04-07", "2025-04-05 08:00-12:00"]   # open despite a day off (that weekday's
                                   # hours, or the hours given); open wins over every day off
    [calendar.default.ramadan]     # optional: hours and breaks merged over the normal week,
    hours = {mon = "08:00-15:00"}  # applied on the dates listed
    dates = ["2025-03-01..2025-03-30"]
    [calendar.default.units.dukcapil]   # per-unit overrides: any key above; closed and open
    open = ["2025-04-07"]               # add to the calendar's lists; calendar = "NAME" starts
                                        # from another calendar

Arithmetic is vectorised: per calendar and range of years a table of working intervals (UTC
nanoseconds) with the working time before each is built once (cached), so the working time
between two instants is ``pos(end) - pos(start)`` found with :func:`numpy.searchsorted`, and
the deadline of "N hari kerja" is the close of working day ``day0 + N``. Array functions take
tz-aware timestamps (pandas) or ``datetime64`` arrays (read as UTC) and return numpy arrays
(seconds, NaN where an input is NaT) or a :class:`pandas.DatetimeIndex` in the calendar's zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pandas as pd

from pipeline import holiday_table
from pipeline.durations import Duration, parse_duration
from pipeline.errors import ConfigError

Periods = tuple[tuple[int, int], ...]  # working periods of a day, minutes from midnight
Week = tuple[Periods, ...]  # Monday .. Sunday
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HARI = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
DEFAULT_HOURS = ("07:30-16:00",) * 4 + ("07:30-16:30", "", "")
DEFAULT_BREAKS = ("12:00-13:00",) * 4 + ("11:30-13:00", "", "")
KEYS = (
    "timezone",
    "hours",
    "breaks",
    "ramadan",
    "country",
    "holiday_categories",
    "closed",
    "open",
    "units",
    "calendar",
)
DEFAULT_WEEK: Week = (((450, 720), (780, 960)),) * 4 + (((450, 690), (780, 990)), (), ())
_NAT = np.iinfo(np.int64).min
_NS = 1_000_000_000
_SPAN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*$")


@dataclass(frozen=True)
class WorkingCalendar:
    """A working calendar. ``week`` holds each weekday's working periods, breaks removed."""

    name: str = "default"
    tz: str = "Asia/Jakarta"
    week: Week = DEFAULT_WEEK
    ramadan_week: Week | None = None
    ramadan_dates: tuple[tuple[dt.date, dt.date], ...] = ()
    closed: tuple[dt.date, ...] = ()
    opened: tuple[tuple[dt.date, Periods | None], ...] = ()
    country: str = "ID"
    categories: tuple[str, ...] = ("public", "government")
    holidays_version: str = holiday_table.version()
    unit: str | None = None

    # --- scalar convenience layer (naive inputs are read in the calendar's zone) ---

    def working_time(self, start: Any, end: Any) -> pd.Timedelta:
        """Working time between two instants."""
        return pd.Timedelta(
            seconds=float(working_seconds(self, _one(self, start), _one(self, end))[0])
        )

    def due(self, start: Any, promise: str | Duration) -> pd.Timestamp:
        """The instant by which work started at ``start`` must be done."""
        return pd.Timestamp(deadline(self, _one(self, start), promise)[0])

    def working_days(self, start: Any, end: Any) -> int:
        """The number of the working day on which ``end`` falls, counted from day 0 of ``start``."""
        return int(working_days_elapsed(self, _one(self, start), _one(self, end))[0])

    def is_working_day(self, day: dt.date | str) -> bool:
        """True when the office opens on this local date."""
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return bool(_periods_of(self, day, _days_off(self, day.year, day.year)))

    def is_open(self, instant: Any) -> bool:
        """True inside office hours (a working period, not a break)."""
        return bool(is_open(self, _one(self, instant))[0])


def _one(cal: WorkingCalendar, value: Any) -> pd.DatetimeIndex:
    ts = pd.Timestamp(value)
    return pd.DatetimeIndex([ts.tz_localize(cal.tz) if ts.tzinfo is None else ts])


# --- settings -----------------------------------------------------------------------------


def _where(name: str, unit: str | None) -> str:
    return f"[calendar.{name}.units.{unit}]" if unit else f"[calendar.{name}]"


def _span(text: str, where: str) -> tuple[int, int]:
    match = _SPAN.match(str(text))
    if not match:
        raise ConfigError(f"{where}: '{text}' is not a time span; write it like \"07:30-16:00\".")
    h1, m1, h2, m2 = (int(x) for x in match.groups())
    begin, end = h1 * 60 + m1, h2 * 60 + m2
    if not (m1 < 60 and m2 < 60 and 0 <= begin < end <= 24 * 60):
        raise ConfigError(
            f"{where}: '{text}' must run forwards within one day, like \"07:30-16:00\"."
        )
    return begin, end


def _spans(value: Any, where: str) -> list[tuple[int, int]]:
    items = value if isinstance(value, list) else [value]
    return [_span(v, where) for v in items if str(v).strip()]


def _subtract(hours: list[tuple[int, int]], breaks: list[tuple[int, int]]) -> Periods:
    out = []
    for begin, end in sorted(hours):
        cuts = sorted(b for b in breaks if b[0] < end and b[1] > begin)
        for b0, b1 in cuts:
            if b0 > begin:
                out.append((begin, b0))
            begin = max(begin, b1)
        if begin < end:
            out.append((begin, end))
    return tuple(out)


def _per_day(table: Any, base: tuple[str, ...] | list[Any], where: str, key: str) -> list[Any]:
    values = list(base)
    if table is None:
        return values
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: '{key}' must be a table like {{mon = \"07:30-16:00\"}}.")
    for day, value in table.items():
        name = str(day).lower()
        if name in WEEKDAYS:
            values[WEEKDAYS.index(name)] = value
        elif name in _HARI:
            values[_HARI.index(name)] = value
        else:
            raise ConfigError(
                f"{where}: '{key}.{day}' is not a weekday; use {', '.join(WEEKDAYS)} "
                f"or {', '.join(_HARI)}."
            )
    return values


def _week(hours: list[Any], breaks: list[Any], where: str) -> Week:
    return tuple(
        _subtract(_spans(h, where), _spans(b, where)) for h, b in zip(hours, breaks, strict=True)
    )


def _date(text: Any, where: str) -> dt.date:
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ConfigError(f"{where}: '{text}' is not a date; write it as YYYY-MM-DD.") from None


def _dates(value: Any, where: str, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{where}: '{key}' must be a list, like {key} = [\"2025-08-23\"].")
    return value


def _opened(items: list[Any], where: str) -> tuple[tuple[dt.date, Periods | None], ...]:
    out: dict[dt.date, Periods | None] = {}
    for item in items:
        day, _, hours = str(item).strip().partition(" ")
        out[_date(day, where)] = (
            (_subtract(_spans(hours, where), []) or None) if hours.strip() else None
        )
    return tuple(sorted(out.items()))


def _ramadan(
    table: Any, hours: list[Any], breaks: list[Any], where: str
) -> tuple[Week | None, tuple[tuple[dt.date, dt.date], ...]]:
    if table is None:
        return None, ()
    if not isinstance(table, Mapping) or set(table) - {"hours", "breaks", "dates"}:
        raise ConfigError(f"{where}: 'ramadan' takes the keys hours, breaks and dates.")
    week = _week(
        _per_day(table.get("hours"), hours, where, "ramadan.hours"),
        _per_day(table.get("breaks"), breaks, where, "ramadan.breaks"),
        where,
    )
    ranges = []
    for item in _dates(table.get("dates"), where, "ramadan.dates"):
        first, sep, last = str(item).partition("..")
        if not sep:
            raise ConfigError(
                f"{where}: ramadan date range '{item}' must look like \"2025-03-01..2025-03-30\"."
            )
        ranges.append((_date(first, where), _date(last, where)))
    return week, tuple(sorted(ranges))


def calendar_from_settings(
    settings: Any, name: str = "default", unit: str | None = None
) -> WorkingCalendar:
    """The calendar ``name`` of ``settings.calendars``, with the overrides of ``unit`` if any."""
    tables: Mapping[str, Mapping[str, Any]] = getattr(settings, "calendars", None) or {
        "default": {}
    }
    if name not in tables and name != "default":
        known = ", ".join(sorted({"default", *tables}))
        raise ConfigError(
            f"Calendar '{name}' is not defined; add a [calendar.{name}] table to the settings. Known calendars: {known}."
        )
    raw = dict(tables.get(name, {}))
    where = _where(name, None)
    units = raw.pop("units", None) or {}
    if not isinstance(units, Mapping):
        raise ConfigError(f"{where}: 'units' must hold tables [calendar.{name}.units.UNIT].")
    if unit is not None and unit in units:
        over = dict(units[unit])
        where = _where(name, unit)
        other = over.pop("calendar", None)
        if other is not None:
            if str(other) not in tables and str(other) != "default":
                raise ConfigError(
                    f"{where}: calendar '{other}' is not defined; add a [calendar.{other}] table."
                )
            raw = {k: v for k, v in dict(tables.get(str(other), {})).items() if k != "units"}
        for key in ("closed", "open"):
            if key in over:
                over[key] = _dates(raw.get(key), where, key) + _dates(over[key], where, key)
        raw.update(over)
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'. Known keys: {', '.join(KEYS)}.")
    zone = ZONES.get(
        str(raw.get("timezone", "Asia/Jakarta")).upper(), str(raw.get("timezone", "Asia/Jakarta"))
    )
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: unknown timezone '{zone}'; use WIB, WITA, WIT or an IANA name like Asia/Jakarta."
        ) from None
    hours = _per_day(raw.get("hours"), DEFAULT_HOURS, where, "hours")
    breaks = _per_day(raw.get("breaks"), DEFAULT_BREAKS, where, "breaks")
    ramadan_week, ramadan_dates = _ramadan(raw.get("ramadan"), hours, breaks, where)
    categories = raw.get("holiday_categories", ["public", "government"])
    country = str(raw.get("country", "ID"))
    try:
        _known_holidays(country, tuple(categories))
    except (NotImplementedError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"{where}: country '{country}' with holiday_categories {categories!r} is not known to the holidays package ({exc}); use country = \"ID\" and categories public, government."
        ) from None
    cal = WorkingCalendar(
        name=name,
        tz=zone,
        week=_week(hours, breaks, where),
        ramadan_week=ramadan_week,
        ramadan_dates=ramadan_dates,
        closed=tuple(sorted({_date(d, where) for d in _dates(raw.get("closed"), where, "closed")})),
        opened=_opened(_dates(raw.get("open"), where, "open"), where),
        country=country,
        categories=tuple(str(c) for c in categories),
        # a unit without overrides has the calendar itself (equal values share cached tables)
        unit=unit if unit is not None and unit in units else None,
    )
    if not any(cal.week) and not any(p for _, p in cal.opened):
        raise ConfigError(
            f"{where}: no office hours on any weekday; give 'hours' like {{mon = \"07:30-16:00\"}}."
        )
    return cal


# --- the precomputed table ------------------------------------------------------------------


@lru_cache(maxsize=16)
def _known_holidays(country: str, categories: tuple[str, ...]) -> None:
    """Raise when the holidays package does not know ``country`` and ``categories`` (asked
    once per process: every unit's calendar asks the same)."""
    holiday_table.check_known(country, categories)


@lru_cache(maxsize=256)
def _days_off(cal: WorkingCalendar, first: int, last: int) -> dict[dt.date, str]:
    return holiday_table.days_off(cal.country, cal.categories, first, last)


def _periods_of(cal: WorkingCalendar, day: dt.date, off: Mapping[dt.date, str]) -> Periods:
    opened = dict(cal.opened)
    ramadan = cal.ramadan_week is not None and any(a <= day <= b for a, b in cal.ramadan_dates)
    week = cal.ramadan_week if ramadan and cal.ramadan_week is not None else cal.week
    usual = week[day.weekday()]
    if day in opened:
        return opened[day] or usual
    if day in off or day in cal.closed:
        return ()
    return usual


@dataclass(frozen=True)
class _Table:
    starts: Ints  # working intervals, UTC ns, sorted
    ends: Ints
    before: Ints  # working ns before each interval
    cum_end: Ints  # working ns at the end of each interval
    day_open: Ints  # per working day: first opening and last close, UTC ns
    day_close: Ints

    def position(self, t: Ints) -> Ints:
        """Working ns from the table's origin to each instant."""
        k = np.searchsorted(self.starts, t, side="right") - 1
        kk = np.maximum(k, 0)
        inside = np.clip(t - self.starts[kk], 0, self.ends[kk] - self.starts[kk])
        return np.where(k < 0, 0, self.before[kk] + inside)


@lru_cache(maxsize=64)
def _table(cal: WorkingCalendar, first: int, last: int) -> _Table:
    off = _days_off(cal, first, last)
    local: list[int] = []
    day_of: list[int] = []
    day = dt.date(first, 1, 1)
    epoch = dt.date(1970, 1, 1)
    n = 0
    while day.year <= last:
        periods = _periods_of(cal, day, off)
        if periods:
            base = (day - epoch).days * 86400
            for begin, end in periods:
                local += [(base + begin * 60) * _NS, (base + end * 60) * _NS]
                day_of.append(n)
            n += 1
        day += dt.timedelta(days=1)
    if not n:
        raise ConfigError(
            f"[calendar.{cal.name}]: no working day between {first} and {last}; check hours and closed days."
        )
    utc = (
        pd.DatetimeIndex(np.array(local, dtype="datetime64[ns]"))
        .tz_localize(cal.tz, nonexistent="shift_forward", ambiguous="NaT")
        .as_unit("ns")
        .asi8.reshape(-1, 2)
    )
    starts, ends = utc[:, 0].copy(), utc[:, 1].copy()
    lengths = ends - starts
    cum_end = np.cumsum(lengths)
    days = np.asarray(day_of)
    first_of_day = np.r_[True, days[1:] != days[:-1]]
    last_of_day = np.r_[days[1:] != days[:-1], True]
    return _Table(starts, ends, cum_end - lengths, cum_end, starts[first_of_day], ends[last_of_day])


def _year(ns: int) -> int:
    return int(np.datetime64(int(ns), "ns").astype("datetime64[Y]").astype(np.int64)) + 1970


def _table_for(cal: WorkingCalendar, values: list[Ints], extra_days: int = 0) -> _Table:
    valid = [v[v != _NAT] for v in values]
    valid = [v for v in valid if v.size]
    if valid:
        lo, hi = min(int(v.min()) for v in valid), max(int(v.max()) for v in valid)
    else:
        lo = hi = pd.Timestamp.now("UTC").value
    first = (_year(lo) - 1) // 5 * 5
    last = (_year(hi) + 1 + extra_days // 200) // 5 * 5 + 4
    if last - first > 300:
        raise ValueError(
            f"timestamps span {first}..{last}; working calendars cover at most 300 years"
        )
    return _table(cal, first, last)


def _ns(values: Any) -> Ints:
    """UTC nanoseconds of tz-aware timestamps (``datetime64`` arrays are read as UTC)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[ns]").view(np.int64)
    idx = pd.DatetimeIndex(values if np.ndim(values) else [values])
    if idx.tz is None:
        raise ValueError("timestamps must carry a time zone (tz-aware); localize them first")
    return idx.as_unit("ns").asi8


def _pair(start: Any, end: Any) -> tuple[Ints, Ints]:
    s, e = _ns(start), _ns(end)
    if s.size != e.size:
        s, e = np.broadcast_arrays(s, e)
    return s, e


def _seconds(ns: Ints, nat: npt.NDArray[np.bool_]) -> Floats:
    out = ns.astype(np.float64) / _NS
    out[nat] = np.nan
    return out


def _instants(cal: WorkingCalendar, ns: Ints) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(cal.tz)


# --- vectorised operations ------------------------------------------------------------------


def working_seconds(cal: WorkingCalendar, start: Any, end: Any) -> Floats:
    """Working seconds from each ``start`` to each ``end`` (negative when end is earlier)."""
    s, e = _pair(start, end)
    table = _table_for(cal, [s, e])
    return _seconds(table.position(e) - table.position(s), (s == _NAT) | (e == _NAT))


def calendar_seconds(start: Any, end: Any) -> Floats:
    """Elapsed (calendar) seconds from each ``start`` to each ``end``."""
    s, e = _pair(start, end)
    return _seconds(e - s, (s == _NAT) | (e == _NAT))


def _day0(table: _Table, s: Ints) -> Ints:
    """Day 0 of a clock started at ``s``: the first working day whose close is after ``s``."""
    return np.searchsorted(table.day_close, s, side="right")


def working_days_elapsed(cal: WorkingCalendar, start: Any, end: Any) -> Floats:
    """Number of the working day on which ``end`` falls, counted from day 0 of ``start``.

    The day of an instant is the last working day that opened at or before it; an end before
    day 0 opened counts 0. NaN where an input is NaT or ``end`` precedes ``start``.
    """
    s, e = _pair(start, end)
    table = _table_for(cal, [s, e])
    last = np.searchsorted(table.day_open, e, side="right") - 1
    out = np.maximum(last - _day0(table, s), 0).astype(np.float64)
    out[(s == _NAT) | (e == _NAT) | (e < s)] = np.nan
    return out


def add_working_days(cal: WorkingCalendar, start: Any, days: int) -> pd.DatetimeIndex:
    """Deadline of ``days`` hari kerja: close of office hours on working day ``day0 + days``."""
    if days < 0:
        raise ValueError("hari kerja must be zero or more")
    s = _ns(start)
    extra = days
    while True:
        table = _table_for(cal, [s], extra_days=extra)
        index = _day0(table, s) + days
        if not index.size or int(index.max()) < table.day_close.size:
            break
        extra = extra * 2 + 400
    return _instants(
        cal, np.where(s == _NAT, _NAT, table.day_close[np.minimum(index, table.day_close.size - 1)])
    )


def add_working_seconds(cal: WorkingCalendar, start: Any, seconds: float) -> pd.DatetimeIndex:
    """The instant at which ``seconds`` of working time after ``start`` have passed."""
    if seconds < 0:
        raise ValueError("working time to add must be zero or more")
    s = _ns(start)
    amount = round(seconds * _NS)
    extra = int(seconds // 3600) + 1
    while True:
        table = _table_for(cal, [s], extra_days=extra)
        target = table.position(s) + amount
        k = np.searchsorted(table.cum_end, target, side="left")
        if not k.size or int(k.max()) < table.starts.size:
            break
        extra = extra * 2 + 400
    k = np.minimum(k, table.starts.size - 1)
    return _instants(cal, np.where(s == _NAT, _NAT, table.starts[k] + (target - table.before[k])))


def deadline(cal: WorkingCalendar, start: Any, promise: str | Duration) -> pd.DatetimeIndex:
    """The due instant of each ``start`` for a promise such as "3 hari kerja" or "15 menit"."""
    duration = parse_duration(promise) if isinstance(promise, str) else promise
    if duration.kind == "working_days":
        return add_working_days(cal, start, duration.days)
    if duration.kind == "working":
        return add_working_seconds(cal, start, duration.seconds)
    s = _ns(start)
    return _instants(cal, np.where(s == _NAT, _NAT, s + round(duration.seconds * _NS)))


def is_open(cal: WorkingCalendar, instants: Any) -> npt.NDArray[np.bool_]:
    """True where an instant lies inside a working period (close itself excluded)."""
    t = _ns(instants)
    table = _table_for(cal, [t])
    k = np.searchsorted(table.starts, t, side="right") - 1
    return (k >= 0) & (t < table.ends[np.maximum(k, 0)]) & (t != _NAT)


def days_off(cal: WorkingCalendar, year: int, language: str = "id") -> pd.DataFrame:
    """The weekdays of ``year`` on which the office is closed, and the days off it opened.

    Columns: ``date``, ``weekday`` (0 = Monday), ``kind`` (``libur`` national holiday,
    ``cuti_bersama``, ``tutup`` local closure, ``buka`` opened despite a day off), ``name``.
    """
    import holidays  # the names in the report's language: only the report needs them

    public = holidays.country_holidays(
        cal.country, years=year, categories=("public",), language=language
    )
    joint = holidays.country_holidays(
        cal.country, years=year, categories=("government",), language=language
    )
    opened = dict(cal.opened)
    off = _days_off(cal, year, year)
    rows = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        usual = (cal.week[day.weekday()]) if cal.week else ()
        names = "; ".join(str(x) for x in (public.get(day), joint.get(day)) if x)
        if day in opened and (day in off or day in cal.closed or not usual):
            rows.append((day, day.weekday(), "buka", names or "dibuka"))
        elif usual and day in cal.closed:
            rows.append((day, day.weekday(), "tutup", names or "tutup lokal"))
        elif usual and day in joint and day in off:
            rows.append((day, day.weekday(), "cuti_bersama", names))
        elif usual and day in off:
            rows.append((day, day.weekday(), "libur", names))
        day += dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=["date", "weekday", "kind", "name"])


def describe_hours(cal: WorkingCalendar) -> list[str]:
    """One line per weekday, e.g. ``mon 07:30-12:00, 13:00-16:00``."""

    def fmt(periods: Periods) -> str:
        return (
            ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in periods)
            or "closed"
        )

    return [f"{name} {fmt(periods)}" for name, periods in zip(WEEKDAYS, cal.week, strict=True)]


def calendars_for_units(
    settings: Any, units: Any, name: str = "default"
) -> dict[str, WorkingCalendar]:
    """Unit name -> its calendar (``name`` with the unit's overrides), for :mod:`pipeline.timing`."""
    return {
        str(u): calendar_from_settings(settings, name, str(u))
        for u in pd.unique(pd.Series(units).dropna())
    }
