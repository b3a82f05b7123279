"""Timestamps as Indonesian exports write them, parsed in SQL over whole columns at once.

Accepted without a format in the mapping (each row on its own, so a column may mix them):

- ISO 8601, with or without ``T``, fractions and an offset (``Z``, ``+07:00``);
- day-first dates, never month-first: ``05/03/2025 14:30``, ``5-3-2025``, ``05.03.2025``,
  ``5-Mar-2025``, ``05/03/25``; times with ``:`` or ``.`` (``14.30``), with or without seconds;
- Indonesian or English month names, full or short: ``5 Maret 2025 14.30``, ``5 Agt 2025``;
- a trailing zone word ``WIB`` (+07:00), ``WITA`` (+08:00) or ``WIT`` (+09:00).

Naive timestamps are read in the mapping's time zone. The result is a ``TIMESTAMPTZ``: an exact
instant, whatever the zone it was written in.
"""

from __future__ import annotations

from pipeline.warehouse import quote_literal

MONTHS = {
    "januari": "jan", "jan": "jan", "january": "jan",
    "februari": "feb", "pebruari": "feb", "feb": "feb", "peb": "feb", "february": "feb",
    "maret": "mar", "mar": "mar", "march": "mar",
    "april": "apr", "apr": "apr",
    "mei": "may", "may": "may",
    "juni": "jun", "jun": "jun", "june": "jun",
    "juli": "jul", "jul": "jul", "july": "jul",
    "agustus": "aug", "agt": "aug", "agu": "aug", "ags": "aug", "aug": "aug", "august": "aug",
    "september": "sep", "sept": "sep", "sep": "sep",
    "oktober": "oct", "okt": "oct", "oct": "oct", "october": "oct",
    "november": "nov", "nopember": "nov", "nov": "nov", "nop": "nov",
    "desember": "dec", "des": "dec", "dec": "dec", "december": "dec",
}
ZONES = {"wib": "+07:00", "wita": "+08:00", "wit": "+09:00"}

# ISO 8601 with seconds and a numeric offset, as systems export it: tried first.
ISO_WITH_OFFSET = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z")
# The common shapes, tried as they are before any rewriting (cheap: most rows stop here).
FAST = tuple(f"%d{sep}%m{sep}%Y{t}" for sep in "/-." for t in (" %H:%M", " %H:%M:%S", ""))
_DATES = ("%d-%m-%Y", "%d-%b-%Y")
_TIMES = (" %H:%M:%S.%f", " %H:%M:%S", " %H:%M", "")
DAY_FIRST = tuple(d + t for d in _DATES for t in _TIMES)


def _re(s: str, pattern: str, replacement: str, flags: str = "") -> str:
    extra = ", " + quote_literal(flags) if flags else ""
    return f"regexp_replace({s}, {quote_literal(pattern)}, {quote_literal(replacement)}{extra})"


def _normalise(expr: str) -> str:
    """SQL that rewrites a day-first text into ``dd-mm-yyyy[ HH:MM:SS][ +hh:mm]``."""
    s = f"lower(trim({expr}))"
    s = _re(s, r"^(hari\s+)?[a-z]+,\s*", "")  # a leading weekday: 'senin, '
    s = _re(s, r"\s+(pukul|jam)\s+", " ")
    s = _re(s, r"\s+", " ", "g")
    # month names, longest first so that 'agustus' is not read as 'agu'
    for name in sorted(MONTHS, key=len, reverse=True):
        s = _re(s, r"(^|[\s/.-])" + name + r"($|[\s/.,-])", r"\1" + MONTHS[name] + r"\2")
    s = _re(s, r"^(\d{1,2})[\s/.-]+([a-z]{3}|\d{1,2})[\s/.,-]+(\d{2,4})", r"\1-\2-\3")
    s = _re(s, r"^(\d{1,2}-[a-z0-9]+-)(\d{2})(\s|$)", r"\1" + "20" + r"\2\3")  # 25 -> 2025
    s = _re(s, r" (\d{1,2})\.(\d{2})\.(\d{2})", r" \1:\2:\3")  # 07.05.09
    s = _re(s, r" (\d{1,2})\.(\d{2})", r" \1:\2")  # 14.30
    for word, offset in ZONES.items():
        s = _re(s, r"\s" + word + "$", " " + offset)
    return s


def timestamp_sql(expr: str, timezone: str, formats: tuple[str, ...] = (), *,
                  quick: bool = False) -> str:
    """SQL turning the text column ``expr`` into a TIMESTAMPTZ (NULL where it does not parse).

    ``quick``: without the day-first rewriting (month names, weekdays, ``pukul``, dotted times,
    two-digit years, zone words). Where the quick form parses a text, the full one gives the
    same instant; the full one's ~50 regular expressions take DuckDB ~0.1 s to prepare, most
    of the load of a small file, so a load uses the quick form when it parses every row
    (:func:`needs_rewriting`)."""
    tz = quote_literal(timezone)
    if formats:
        with_zone = [f for f in formats if "%z" in f or "%Z" in f]
        naive = [f for f in formats if f not in with_zone]
        parts = []
        if with_zone:
            parts.append(f"try_strptime(trim({expr}), {_list(with_zone)})::TIMESTAMPTZ")
        if naive:
            parts.append(f"timezone({tz}, try_strptime(trim({expr}), {_list(naive)}))")
        return f"coalesce({', '.join(parts)})"
    offset = "'(z|[+-]\\d{2}(:?\\d{2})?)$'"
    iso = (f"CASE WHEN regexp_matches(lower(trim({expr})), {offset}) "
           f"THEN try_cast(trim({expr}) AS TIMESTAMPTZ) "
           f"ELSE timezone({tz}, try_cast(trim({expr}) AS TIMESTAMP)) END")
    fast = f"timezone({tz}, try_strptime(trim({expr}), {_list(FAST)}))"
    # machine exports with an offset parse without ICU or regular expressions (6x faster)
    # one format per call: DuckDB 1.x's try_strptime with a list of formats with %z rolls
    # an impossible date over (2024-02-30 -> 03-01) instead of failing
    exact = "coalesce(" + ", ".join(f"try_strptime(trim({expr}), {quote_literal(f)})"
                                    for f in ISO_WITH_OFFSET) + ")::TIMESTAMPTZ"
    rest = fast
    if not quick:
        norm = _normalise(expr)
        zoned = [f + " %z" for f in DAY_FIRST]
        day_first = (f"CASE WHEN regexp_matches({norm}, ' [+-]\\d{{2}}:\\d{{2}}$') "
                     f"THEN try_strptime({norm}, {_list(zoned)})::TIMESTAMPTZ "
                     f"ELSE timezone({tz}, try_strptime({norm}, {_list(DAY_FIRST)})) END")
        rest = f"coalesce({fast}, {day_first})"
    return (f"CASE WHEN {expr} IS NULL THEN NULL ELSE coalesce({exact}, CASE "
            f"WHEN regexp_matches(trim({expr}), '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}') THEN {iso} "
            f"ELSE {rest} END) END")


def _list(formats: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(quote_literal(f) for f in formats) + "]"


def needs_rewriting(expr: str, timezone: str, table: str) -> str:
    """SQL: whether some row of ``table`` has a text in ``expr`` that the quick form of
    :func:`timestamp_sql` does not parse (stops at the first one)."""
    return (f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {expr} IS NOT NULL AND "
            f"{timestamp_sql(expr, timezone, quick=True)} IS NULL)")
