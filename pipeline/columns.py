"""Canonical column names used everywhere inside sopmine.

Source columns are translated to these names once, when a log is read (see
:mod:`pipeline.ingest.mapping`), and to pm4py's names once, in :mod:`pipeline._pm4py`.
"""

from __future__ import annotations

CASE_ID = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
START_TIMESTAMP = "start_timestamp"
RESOURCE = "resource"
ROLE = "role"
LAYANAN = "layanan"
UNIT = "unit"

#: Every canonical event field, in the order of the spec (`event-log.md`).
CANONICAL: tuple[str, ...] = (
    CASE_ID,
    ACTIVITY,
    TIMESTAMP,
    START_TIMESTAMP,
    RESOURCE,
    ROLE,
    LAYANAN,
    UNIT,
)
REQUIRED: tuple[str, ...] = (CASE_ID, ACTIVITY, TIMESTAMP)
TIME_FIELDS: tuple[str, ...] = (TIMESTAMP, START_TIMESTAMP)
