"""Status snapshots (SIASN style): each file holds the current status of every application on
one date. Loading snapshots in date order turns each status change into an event.

A case whose status differs from its last known status (in the warehouse, from earlier
snapshots of the same mapping) gets an event: activity = the status, time = the snapshot's
date (local midnight, the mapping's time zone) or its date column. A case whose status did
not change points at the event already stored, so it counts as already stored and adds
nothing. Only the case id, the status and the columns listed under ``attributes`` make up a
snapshot event, so an unchanged status is recognised even when other columns changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.errors import MappingError
from pipeline.ingest.mapping import Mapping
from pipeline.ingest.timeparse import timestamp_sql
from pipeline.warehouse import Warehouse, quote_ident, quote_literal

STATUS_TIME = "__status_time"


def snapshot_to_events(wh: Warehouse, mapping: Mapping, path: Path,
                       snapshot_date: dt.date | None) -> Mapping:
    """Rewrite the staged snapshot into status events; return the mapping to load them with."""
    assert mapping.snapshot is not None
    snap = mapping.snapshot
    case_col = quote_ident(mapping.columns["case_id"])
    status_col = quote_ident(snap.status)
    if snap.date:
        when = timestamp_sql(f"stage.{quote_ident(snap.date)}", mapping.timezone)
    elif snapshot_date is not None:
        local = dt.datetime.combine(snapshot_date, dt.time(0), ZoneInfo(mapping.timezone))
        when = f"{quote_literal(local.isoformat())}::TIMESTAMPTZ"
    else:
        raise MappingError("no date for this snapshot", file=path,
                           fix="Set snapshot.date (a column) or snapshot.date_from_filename.")
    wh.execute(f"ALTER TABLE stage ADD COLUMN {STATUS_TIME} VARCHAR")
    wh.execute(f"""
        UPDATE stage SET {STATUS_TIME} = strftime(
            CASE WHEN prev.status IS NOT DISTINCT FROM nullif(trim(stage.{status_col}), '')
                 THEN prev.ts ELSE {when} END, '%Y-%m-%dT%H:%M:%S.%f+00:00')
        FROM (SELECT s._row, last.status, last.ts
              FROM stage s LEFT JOIN (
                  SELECT case_id, arg_max(activity_raw, (timestamp, load_id, source_row)) AS status,
                         max(timestamp) AS ts
                  FROM events
                  WHERE load_id IN (SELECT load_id FROM loads WHERE mapping_name = ?)
                    AND timestamp < (SELECT max({when}) FROM stage)
                  GROUP BY case_id) last ON last.case_id = nullif(trim(s.{case_col}), '')
             ) prev
        WHERE prev._row = stage._row
    """, [mapping.name])
    columns = {**mapping.columns, "activity": snap.status, "timestamp": STATUS_TIME}
    return dataclasses.replace(mapping, columns=columns, attributes=mapping.attributes or (),
                               timestamp_format=())
