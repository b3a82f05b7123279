"""The data-quality summary of one load or of the whole warehouse, computed in SQL.

Stored with each load (``loads.quality``) for the reports; ``sopmine quality`` prints it again.
"""

from __future__ import annotations

from typing import Any

from pipeline.settings import Settings
from pipeline.warehouse import Warehouse


def quality_summary(wh: Warehouse, settings: Settings, *, load_id: int | None = None,
                    read_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Counts, time span, quarantine by reason, duplicates, gaps and off-hours events."""
    where = f"load_id = {int(load_id)}" if load_id is not None else "TRUE"
    loads = wh.rows(f"""
        SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
               coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_duplicate), 0)
        FROM loads WHERE {where}""")[0]
    ev = wh.rows(f"""
        SELECT count(*), count(DISTINCT case_id), count(DISTINCT activity),
               min(timestamp), max(timestamp)
        FROM events WHERE {where}""")[0]
    by_reason = dict(wh.rows(f"""
        SELECT reason_code, count(*) FROM quarantine WHERE {where}
        GROUP BY ALL ORDER BY 2 DESC, 1"""))
    # identical events share case, step and time: only those few are compared whole (the
    # attributes as text are costly on every row)
    identical = wh.scalar(f"""
        WITH same_step AS (SELECT case_id, activity, timestamp FROM events WHERE {where}
                           GROUP BY ALL HAVING count(*) > 1)
        SELECT coalesce(sum(n - 1), 0) FROM (
            SELECT count(*) AS n FROM events SEMI JOIN same_step
                USING (case_id, activity, timestamp)
            WHERE {where}
            GROUP BY case_id, activity, timestamp, start_timestamp, resource, attributes::VARCHAR
            HAVING count(*) > 1)""")
    gap_days = int(settings.quality_gap_days)
    # only a case whose whole span exceeds the gap can hold such a gap: few, found without
    # sorting; the events of those alone are ordered
    gaps = wh.rows(f"""
        WITH touched AS (SELECT case_id FROM events
                         WHERE case_id IN (SELECT case_id FROM events WHERE {where})
                         GROUP BY case_id
                         HAVING max(timestamp) - min(timestamp) > INTERVAL {gap_days} DAY),
        steps AS (
            SELECT e.case_id, e.timestamp - lag(e.timestamp) OVER (
                PARTITION BY e.case_id ORDER BY e.timestamp, e.load_id, e.source_row) AS gap
            FROM events e JOIN touched USING (case_id))
        SELECT count(DISTINCT case_id), max(gap) FROM steps
        WHERE gap > INTERVAL {gap_days} DAY""")[0]
    off_hours = _outside_office_hours(wh, settings, where)
    unmapped = wh.rows(f"""
        SELECT activity_raw, count(*) FROM events WHERE {where} AND activity = activity_raw
          AND load_id IN (SELECT load_id FROM loads WHERE mapping_text LIKE '%activities:%')
        GROUP BY ALL ORDER BY 2 DESC LIMIT 20""")
    return {
        "loads": int(loads[0]),
        "rows_read": int(loads[1]),
        "rows_loaded": int(loads[2]),
        "rows_quarantined": int(loads[3]),
        "rows_duplicate": int(loads[4]),
        "events": int(ev[0]),
        "cases": int(ev[1]),
        "activities": int(ev[2]),
        "first_event": ev[3].isoformat() if ev[3] else None,
        "last_event": ev[4].isoformat() if ev[4] else None,
        "quarantined_by_reason": {str(k): int(v) for k, v in by_reason.items()},
        "identical_events": int(identical or 0),
        "cases_with_gaps": int(gaps[0] or 0),
        "gap_days": gap_days,
        "longest_gap_days": round(gaps[1].total_seconds() / 86400, 1) if gaps[1] else None,
        "events_outside_office_hours": int(off_hours or 0),
        "calendar": "default",
        "unmapped_activities": {str(k): int(v) for k, v in unmapped},
        "read_options": read_options or {},
    }


def format_quality(q: dict[str, Any], title: str = "Data quality") -> str:
    """The summary as lines of text for the terminal."""
    lines = [
        f"{title}:",
        f"  rows read {q['rows_read']:,} = loaded {q['rows_loaded']:,} + quarantined "
        f"{q['rows_quarantined']:,} + already stored {q['rows_duplicate']:,}",
        f"  {q['cases']:,} cases, {q['events']:,} events, {q['activities']:,} activities",
    ]
    if q["first_event"]:
        lines.append(f"  time span {q['first_event']} .. {q['last_event']} (UTC)")
    for code, n in q["quarantined_by_reason"].items():
        lines.append(f"  quarantined: {code}: {n:,}")
    if q["identical_events"]:
        lines.append(f"  identical events kept (same case, activity, time and attributes): "
                     f"{q['identical_events']:,}")
    if q["cases_with_gaps"]:
        lines.append(f"  cases with a gap of more than {q['gap_days']} days between events: "
                     f"{q['cases_with_gaps']:,} (longest {q['longest_gap_days']} days)")
    if q["events"]:
        share = 100 * q["events_outside_office_hours"] / q["events"]
        lines.append(f"  events outside office hours (calendar '{q['calendar']}': evenings, weekends, "
                     f"holidays, cuti bersama): {q['events_outside_office_hours']:,} ({share:.1f}%)")
    if q["unmapped_activities"]:
        shown = ", ".join(f"{k} ({v})" for k, v in list(q["unmapped_activities"].items())[:8])
        lines.append(f"  labels kept as they are (not in the mapping's activities): {shown}")
    if q.get("read_options"):
        opts = ", ".join(f"{k}={v!r}" for k, v in q["read_options"].items())
        lines.append(f"  read with {opts}")
    return "\n".join(lines)


def _outside_office_hours(wh: Warehouse, settings: Settings, where: str) -> int:
    """Events completed outside the office hours of the default working calendar."""
    from pipeline.calendar import calendar_from_settings, is_open

    ns = wh.arrow(f"SELECT epoch_ns(timestamp) AS t FROM events WHERE {where}").column("t")
    if len(ns) == 0:
        return 0
    instants = ns.to_numpy().astype("datetime64[ns]")  # UTC, no DatetimeIndex round trip
    return int((~is_open(calendar_from_settings(settings), instants)).sum())
