"""Durations as SOP documents write them: ``15 menit``, ``2 jam``, ``1 hari kerja``, ``3 hari``,
``1 minggu``, ``1 x 24 jam``.

Three kinds (``sop-format.md``, section *Durations*):

- ``working``: ``menit`` and ``jam`` count working time, inside office hours on working days;
- ``working_days``: ``hari kerja`` has deadline semantics on the working calendar;
- ``calendar``: ``hari``, ``minggu`` and ``x 24 jam`` are plain elapsed time.

:func:`parse_duration` raises :class:`ValueError` whose text lists the accepted forms; callers
that know the file and line (the SOP loader) wrap it into their own error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["working", "working_days", "calendar"]

ACCEPTED_FORMS = "N menit, N jam, N hari kerja, N hari, N minggu, N x 24 jam (N a number, e.g. 15 menit, 1,5 jam, 3 hari kerja)"

_UNITS: dict[str, tuple[Kind, float]] = {
    # unit word -> (kind, seconds per unit; for working_days the number of days)
    "menit": ("working", 60.0),
    "jam": ("working", 3600.0),
    "hari kerja": ("working_days", 1.0),
    "hari": ("calendar", 86400.0),
    "minggu": ("calendar", 7 * 86400.0),
    "x 24 jam": ("calendar", 86400.0),
}

_PATTERN = re.compile(
    r"^\s*(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>menit|jam|hari\s+kerja|hari|minggu|[x×]\s*24\s*jam)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Duration:
    """A parsed duration. ``text`` keeps the original words for reports."""

    amount: float
    unit: str
    kind: Kind
    text: str

    @property
    def seconds(self) -> float:
        """Length in seconds (working seconds for ``working``, elapsed for ``calendar``)."""
        if self.kind == "working_days":
            raise ValueError(f"'{self.text}' is counted in working days, not seconds")
        return self.amount * _UNITS[self.unit][1]

    @property
    def days(self) -> int:
        """The N of ``N hari kerja``."""
        if self.kind != "working_days":
            raise ValueError(f"'{self.text}' is not counted in working days")
        return int(self.amount)

    def __str__(self) -> str:
        return self.text


def parse_duration(text: str | int | float) -> Duration:
    """Parse an SOP duration; ``ValueError`` names the accepted forms when it does not parse."""
    raw = str(text).strip()
    match = _PATTERN.match(raw)
    if not match:
        raise ValueError(f"'{raw}' is not a duration. Accepted forms: {ACCEPTED_FORMS}")
    unit = re.sub(r"\s+", " ", match["unit"].lower().replace("×", "x"))
    if unit.startswith("x"):
        unit = "x 24 jam"
    amount = float(match["n"].replace(",", "."))
    kind, _ = _UNITS[unit]
    if kind == "working_days" and amount != int(amount):
        raise ValueError(
            f"'{raw}': hari kerja must be a whole number of days. Accepted forms: {ACCEPTED_FORMS}"
        )
    if amount <= 0:
        raise ValueError(f"'{raw}': a duration must be more than zero")
    return Duration(amount=amount, unit=unit, kind=kind, text=raw)
