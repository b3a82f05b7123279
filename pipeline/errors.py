"""The error tree of sopmine. The CLI catches :class:`PipelineError` once and prints its
message on one line; ``--debug`` shows the traceback instead.

::

    PipelineError                 anything sopmine reports to a user
     ├── InputError               a user's file is wrong: names the file, the row or line, the fix
     │    ├── LogFormatError      an event log that cannot be read (format, encoding, truncation)
     │    ├── MappingError        a mapping file that is wrong or does not fit the log
     │    └── SopError            an SOP model (sop-ap/1, BPMN, PNML) that is wrong or unusable
     ├── ConfigError              settings, calendars, pseudonymisation keys
     └── WarehouseError           the DuckDB warehouse: wrong schema version, locked, missing data

Every message says what is wrong and what to do about it.
"""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Base of every error sopmine reports to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(PipelineError):
    """A user's file is wrong. The message names the file and, where known, the row or line."""

    def __init__(
        self,
        what: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        row: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.row = row
        self.what = what
        self.fix = fix
        where = []
        if self.file:
            where.append(self.file)
        if line is not None:
            where.append(f"line {line}")
        if row is not None:
            where.append(f"row {row}")
        text = ", ".join(where) + ": " + what if where else what
        if fix:
            text = text.rstrip(".") + ". " + fix
        super().__init__(text)


class LogFormatError(InputError):
    """An event log that cannot be read at all (format, encoding, truncated file)."""


class MappingError(InputError):
    """A mapping file that is wrong, or that does not fit the log it is used with."""


class SopError(InputError):
    """An SOP model that is wrong or that the checker cannot use."""


class ConfigError(PipelineError):
    """Settings, calendars or keys that are missing or wrong."""


class WarehouseError(PipelineError):
    """The warehouse cannot be used as asked (schema version, lock, missing data)."""
