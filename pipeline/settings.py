"""Every knob of sopmine as data: a name, a default and a help text.

Values come, last one winning, from the defaults below, a ``sopmine.toml`` file in the working
directory (or the file named by ``SOPMINE_SETTINGS``), environment variables ``SOPMINE_<NAME>``
(upper case) and command-line options. ``sopmine settings`` prints them all with their help.

Working calendars are tables ``[calendar.NAME]`` of the settings file; :mod:`pipeline.calendar`
interprets them (``default`` always exists).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "data/warehouse.duckdb", "Path of the DuckDB warehouse file."),
    Setting(
        "timezone",
        "Asia/Jakarta",
        "Time zone of naive timestamps when a mapping names none (WIB Asia/Jakarta, "
        "WITA Asia/Makassar, WIT Asia/Jayapura).",
    ),
    Setting("language", "id", "Language of reports and deviation texts: id or en."),
    Setting(
        "pseudonym_key_file",
        "~/.config/sopmine/pseudonym.key",
        "File holding the secret key for pseudonyms of personal data (kept outside the "
        "warehouse and the reports). SOPMINE_PSEUDONYM_KEY, if set, is the key itself.",
    ),
    Setting(
        "quality_gap_days",
        30,
        "Data-quality report: a case with two consecutive events further apart than this many "
        "calendar days is flagged as having a suspicious gap.",
    ),
    Setting(
        "future_tolerance_minutes",
        10,
        "Ingest: a timestamp later than the load time by more than this is quarantined as "
        "lying in the future.",
    ),
    Setting("reports_dir", "reports", "Folder for generated reports."),
    Setting(
        "duckdb_memory_limit",
        "2GB",
        "DuckDB memory_limit: above it DuckDB spills to disk. 2GB keeps a 10-million-event load "
        "at about 2.6 GB of RAM (52 s; 5.3 GB and 47 s without a limit). Empty: DuckDB's default "
        "(80% of RAM).",
    ),
    Setting("duckdb_threads", 0, "DuckDB threads; 0 leaves DuckDB's default (all cores)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """The resolved settings. Build with :func:`load_settings`; change with :meth:`with_`."""

    db: str = _BY_NAME["db"].default
    timezone: str = _BY_NAME["timezone"].default
    language: str = _BY_NAME["language"].default
    pseudonym_key_file: str = _BY_NAME["pseudonym_key_file"].default
    quality_gap_days: int = _BY_NAME["quality_gap_days"].default
    future_tolerance_minutes: int = _BY_NAME["future_tolerance_minutes"].default
    reports_dir: str = _BY_NAME["reports_dir"].default
    duckdb_memory_limit: str = _BY_NAME["duckdb_memory_limit"].default
    duckdb_threads: int = _BY_NAME["duckdb_threads"].default
    calendars: dict[str, dict[str, Any]] = field(default_factory=lambda: {"default": {}})
    source: str = "defaults"

    def with_(self, **changes: Any) -> Settings:
        """A copy with some values changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, value: Any, origin: str) -> Any:
    default = _BY_NAME[name].default
    try:
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "ya"}
        if isinstance(default, int):
            return int(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{origin}: setting '{name}' must be a {type(default).__name__}, got {value!r}."
        ) from None


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Resolve settings from defaults, the settings file and the environment."""
    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = {}
    calendars: dict[str, dict[str, Any]] = {"default": {}}
    chosen = path or env.get("SOPMINE_SETTINGS")
    file = Path(chosen) if chosen else Path("sopmine.toml")
    source = "defaults"
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML ({exc}). Fix the file or remove it.") from None
        for key, value in data.items():
            if key == "calendar":
                if not isinstance(value, dict):
                    raise ConfigError(f"{file}: [calendar.NAME] tables expected under 'calendar'.")
                calendars.update({str(k): dict(v) for k, v in value.items()})
            elif key in _BY_NAME:
                values[key] = _coerce(key, value, str(file))
            else:
                known = ", ".join(sorted(_BY_NAME))
                raise ConfigError(f"{file}: unknown setting '{key}'. Known settings: {known}.")
        source = str(file)
    elif chosen:
        raise ConfigError(f"{file}: settings file not found. Create it or unset SOPMINE_SETTINGS.")
    for name in _BY_NAME:
        raw = env.get("SOPMINE_" + name.upper())
        if raw:
            values[name] = _coerce(name, raw, "SOPMINE_" + name.upper())
    return Settings(**values, calendars=calendars, source=source)


def describe(settings: Settings) -> list[tuple[str, Any, str]]:
    """(name, value, help) rows for ``sopmine settings``."""
    names = {f.name for f in fields(Settings)}
    return [(s.name, getattr(settings, s.name), s.help) for s in SETTINGS if s.name in names]
