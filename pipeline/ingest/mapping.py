"""The mapping file: which source column is which canonical field, and how to read it.

A mapping is YAML (see ``docs/mapping.md`` for every key)::

    name: siak-kk                      # default: the file's stem
    columns: {case_id: NO_PERMOHONAN, activity: STATUS, timestamp: WAKTU,
              resource: NIP_PETUGAS, unit: KECAMATAN}
    constants: {layanan: kk-baru}      # a fixed value for a canonical field
    timestamp_format: "%d/%m/%Y %H:%M" # optional; default: ISO 8601 or Indonesian day-first
    timezone: Asia/Jakarta             # of naive timestamps (WIB; WITA Asia/Makassar; WIT Asia/Jayapura)
    activities: {DIVERIFIKASI_FO: periksa}
    ignore: [LOGIN, LOGOUT]
    unmapped_activities: keep          # keep | quarantine
    duplicate_rows: keep               # keep | quarantine (identical rows inside one file)
    staff: staff.csv                   # resource -> role (a CSV with columns resource,role) or a dict
    personal_data: {pseudonymise: [NIK, NAMA], drop: [TELEPON]}
    csv: {delimiter: ";", encoding: cp1252}
    sheet: Sheet1                      # Excel: the sheet to read (default: the first)
    snapshot: {status: STATUS, date_from_filename: '(\\d{4}-\\d{2}-\\d{2})'}   # SIASN snapshots
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pipeline.columns import CANONICAL, CASE_ID, REQUIRED
from pipeline.errors import MappingError
from pipeline.yamlfile import DuplicateKey, LineDict, load_marked, yaml_error_line

KEYS = (
    "name", "columns", "constants", "timestamp_format", "timezone", "activities", "ignore",
    "unmapped_activities", "duplicate_rows", "staff", "personal_data", "csv", "sheet",
    "snapshot", "attributes",
)
CHOICES = {"unmapped_activities": ("keep", "quarantine"), "duplicate_rows": ("keep", "quarantine")}

#: Column names tried, in order, when no mapping names a column (XES and pm4py-style CSVs).
GUESSES: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "case:concept:name", "CaseID", "case", "Case ID"),
    "activity": ("activity", "concept:name", "ActivityID", "Activity"),
    "timestamp": ("timestamp", "time:timestamp", "CompleteTimestamp", "Timestamp"),
    "start_timestamp": ("start_timestamp", "start_timestamp:timestamp"),
    "resource": ("resource", "org:resource", "Resource"),
    "role": ("role", "org:role"),
}


@dataclass(frozen=True)
class Snapshot:
    """Status snapshots: each file is the current status of every case on one date."""

    status: str
    date: str | None = None
    date_from_filename: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A source's columns and conventions. Build with :func:`load_mapping` or :func:`guess_mapping`."""

    name: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    timestamp_format: tuple[str, ...] = ()
    timezone: str = "Asia/Jakarta"
    activities: dict[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    unmapped_activities: str = "keep"
    duplicate_rows: str = "keep"
    staff: dict[str, str] = field(default_factory=dict)
    pseudonymise: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    snapshot: Snapshot | None = None
    attributes: tuple[str, ...] | None = None  # None: every column not mapped
    source: str = "(guessed)"
    text: str = ""

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def check_columns(self, available: list[str], file: str) -> None:
        """Every column the mapping names must exist in the file; the message lists those that do."""
        wanted = [*self.columns.values(), *self.pseudonymise, *self.drop]
        if self.snapshot:
            wanted.append(self.snapshot.status)
            if self.snapshot.date:
                wanted.append(self.snapshot.date)
        for column in wanted:
            if column not in available:
                near = difflib.get_close_matches(column, available, n=1)
                hint = f" Did you mean '{near[0]}'?" if near else ""
                raise MappingError(
                    f"column '{column}' named in mapping {self.source} does not exist in the file."
                    f"{hint} Columns in the file: {', '.join(available)}",
                    file=file,
                    fix=None,
                )


def _err(path: Path, data: LineDict, key: str, what: str, fix: str) -> MappingError:
    return MappingError(what, file=path, line=data.line_of(key), fix=fix)


def load_mapping(path: str | Path, default_timezone: str = "Asia/Jakarta") -> Mapping:
    """Read and validate a mapping file; every error names the file, the line and the fix."""
    path = Path(path)
    if not path.exists():
        raise MappingError("mapping file not found", file=path,
                           fix="Check the path given to --mapping.")
    try:
        data = load_marked(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        raise MappingError(f"not valid YAML ({getattr(exc, 'problem', exc)})", file=path,
                           line=yaml_error_line(exc), fix="Fix the YAML syntax.") from None
    except DuplicateKey as dup:
        raise MappingError(f"key '{dup.key}' is written twice (first on line {dup.first})",
                           file=path, line=dup.line, fix="Keep one of the two.") from None
    if not isinstance(data, LineDict):
        raise MappingError("a mapping file must be a YAML mapping of keys", file=path, line=1,
                           fix="Start with 'columns:' (see docs/mapping.md).")
    for key in data:
        if key not in KEYS:
            near = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f"Did you mean '{near[0]}'? " if near else ""
            raise _err(path, data, key, f"unknown key '{key}'",
                       f"{hint}Known keys: {', '.join(KEYS)}.")
    columns = _str_dict(path, data, "columns")
    constants = _str_dict(path, data, "constants")
    for section, values in (("columns", columns), ("constants", constants)):
        sub = data.get(section)
        for key in values:
            if key not in CANONICAL:
                near = difflib.get_close_matches(key, CANONICAL, n=1)
                hint = f"Did you mean '{near[0]}'? " if near else ""
                raise MappingError(f"'{key}' is not a canonical field", file=path,
                                   line=sub.line_of(key) if isinstance(sub, LineDict) else None,
                                   fix=f"{hint}Canonical fields: {', '.join(CANONICAL)}.")
    for needed in (CASE_ID,) if data.get("snapshot") else REQUIRED:
        if needed not in columns and needed not in constants:
            raise _err(path, data, "columns", f"no column given for '{needed}'",
                       f"Add '{needed}: <column name>' under 'columns'.")
    if CASE_ID in constants:
        raise _err(path, data, "constants", "case_id cannot be a constant",
                   "Name the column that identifies each application under 'columns'.")
    timezone = str(data.get("timezone", default_timezone))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _err(path, data, "timezone", f"unknown time zone '{timezone}'",
                   "Use an IANA name: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).") from None
    fmt = data.get("timestamp_format")
    formats = tuple(str(f) for f in (fmt if isinstance(fmt, list) else [fmt] if fmt else []))
    for choice, allowed in CHOICES.items():
        if choice in data and data[choice] not in allowed:
            raise _err(path, data, choice, f"'{choice}' is '{data[choice]}'",
                       f"Write one of: {', '.join(allowed)}.")
    personal = data.get("personal_data") or {}
    if not isinstance(personal, dict) or set(personal) - {"pseudonymise", "drop"}:
        raise _err(path, data, "personal_data", "personal_data takes 'pseudonymise' and 'drop' lists",
                   "Write personal_data: {pseudonymise: [NIK, NAMA], drop: [TELEPON]}.")
    csv_opts = data.get("csv") or {}
    snapshot = None
    if data.get("snapshot"):
        snap = data["snapshot"]
        if not isinstance(snap, dict) or "status" not in snap or not (
            snap.get("date") or snap.get("date_from_filename")
        ):
            raise _err(path, data, "snapshot", "snapshot needs 'status' and 'date' or 'date_from_filename'",
                       "Write snapshot: {status: STATUS, date_from_filename: '(\\d{4}-\\d{2}-\\d{2})'}.")
        snapshot = Snapshot(status=str(snap["status"]), date=snap.get("date"),
                            date_from_filename=snap.get("date_from_filename"))
    attributes = data.get("attributes")
    return Mapping(
        name=str(data.get("name") or path.stem),
        columns=columns,
        constants=constants,
        timestamp_format=formats,
        timezone=timezone,
        activities={str(k): str(v) for k, v in (data.get("activities") or {}).items()},
        ignore=frozenset(str(v) for v in (data.get("ignore") or [])),
        unmapped_activities=str(data.get("unmapped_activities", "keep")),
        duplicate_rows=str(data.get("duplicate_rows", "keep")),
        staff=_staff(path, data),
        pseudonymise=tuple(str(c) for c in personal.get("pseudonymise") or []),
        drop=tuple(str(c) for c in personal.get("drop") or []),
        delimiter=csv_opts.get("delimiter"),
        encoding=csv_opts.get("encoding"),
        sheet=data.get("sheet"),
        snapshot=snapshot,
        attributes=tuple(str(a) for a in attributes) if isinstance(attributes, list) else None,
        source=str(path),
        text=path.read_text(encoding="utf-8-sig"),
    )


def _str_dict(path: Path, data: LineDict, key: str) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise _err(path, data, key, f"'{key}' must be a mapping of field: value",
                   f"Write e.g. {key}: {{case_id: NO_PERMOHONAN}}.")
    return {str(k): str(v) for k, v in value.items()}


def _staff(path: Path, data: LineDict) -> dict[str, str]:
    staff = data.get("staff")
    if not staff:
        return {}
    if isinstance(staff, dict):
        return {str(k): str(v) for k, v in staff.items()}
    table = (path.parent / str(staff)).resolve()
    if not table.exists():
        raise _err(path, data, "staff", f"staff table '{staff}' not found",
                   "Give a CSV with columns resource,role (relative to the mapping file) or a dict.")
    with table.open(encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        rows = list(csv.DictReader(fh, dialect=dialect))
    if not rows or not {"resource", "role"} <= set(rows[0]):
        raise MappingError("a staff table needs the columns resource and role", file=table, line=1,
                           fix="Write a header line 'resource,role'.")
    return {r["resource"]: r["role"] for r in rows if r.get("resource")}


def guess_mapping(available: list[str], file: str, timezone: str = "Asia/Jakarta") -> Mapping:
    """A mapping from well-known column names (XES, pm4py and bupaR exports)."""
    columns: dict[str, str] = {}
    for field_name, names in GUESSES.items():
        for name in names:
            if name in available:
                columns[field_name] = name
                break
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise MappingError(
            f"no mapping given and no column looks like {', '.join(missing)}. "
            f"Columns in the file: {', '.join(available)}",
            file=file,
            fix="Write a mapping file (see docs/mapping.md) and pass it with --mapping.",
        )
    text = json.dumps({"columns": columns, "timezone": timezone}, sort_keys=True)
    return Mapping(name="guessed", columns=columns, timezone=timezone, text=text)
