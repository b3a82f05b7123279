"""Discovery: how the service really runs, computed in DuckDB over the warehouse.

Every measure takes a :class:`Filter` (period, layanan, unit, variant coverage) and works on
the cases it keeps. A case belongs to the ``layanan`` and ``unit`` of its first event, and to
the period in which its first event falls (local dates in ``Filter.timezone``, both ends
included). The coverage filter keeps the most frequent variants until they cover at least
``coverage`` of the cases (ties broken by the variant's text, so runs repeat exactly).

The order within a case is the warehouse's stable order ``timestamp, load_id, source_row``:
events with equal timestamps keep the order of the file.

- :func:`variants`: one row per variant (its activities, cases, share, cumulative share);
- :func:`dfg`: directly-follows edges with counts, computed per variant and weighted;
- :func:`start_end`: how many cases start and end with each activity;
- :func:`performance_dfg`: the edges with the median and P90 *working* time between the two
  completions (the calendar's office hours, :mod:`pipeline.calendar`) and the calendar median;
- :func:`bottlenecks`: steps and hand-overs ranked by their share of working time, per
  layanan and unit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from pipeline.calendar import WorkingCalendar, working_seconds
from pipeline.errors import InputError
from pipeline.warehouse import Warehouse

#: Separator of activities in a variant's text (CSV and drawings).
ARROW = " → "
_ORDER = "timestamp, load_id, source_row"
_NS = "datetime64[ns]"


@dataclass(frozen=True)
class Filter:
    """Which cases a discovery looks at. ``None`` means no restriction."""

    period: tuple[dt.date, dt.date] | None = None
    layanan: str | None = None
    unit: str | None = None
    coverage: float = 1.0
    timezone: str = "Asia/Jakarta"

    def __post_init__(self) -> None:
        if not 0 < self.coverage <= 1:
            raise InputError(
                f"coverage {self.coverage} is not a share of cases; give a number in (0, 1], "
                "e.g. 0.8 for the most frequent variants covering 80% of cases."
            )
        if self.period is not None and self.period[0] > self.period[1]:
            raise InputError(
                f"period {self.period[0]}..{self.period[1]} ends before it starts; "
                "write FROM..TO with FROM on or before TO."
            )

    def with_(self, **changes: Any) -> Filter:
        return Filter(**{**self.__dict__, **changes})


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """``2025-01-01..2025-03-31`` (both ends included); ``2025-01`` is a month."""
    if ".." not in text:
        try:
            first = dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
        except ValueError:
            raise InputError(f"period '{text}' is not FROM..TO; write 2025-01-01..2025-03-31.") from None
        if len(text) == 7:
            nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return first, nxt - dt.timedelta(days=1)
        return first, first
    a, _, b = text.partition("..")
    try:
        return dt.date.fromisoformat(a.strip()), dt.date.fromisoformat(b.strip())
    except ValueError:
        raise InputError(
            f"period '{text}' is not FROM..TO with ISO dates; write 2025-01-01..2025-03-31."
        ) from None


# --- the scope of a filter, as SQL ----------------------------------------------------------


def _case_conditions(f: Filter) -> tuple[list[str], list[Any]]:
    conds: list[str] = []
    params: list[Any] = []
    first = f"({_ORDER})"
    if f.layanan is not None:
        conds.append(f"arg_min(layanan, {first}) = ?")
        params.append(f.layanan)
    if f.unit is not None:
        conds.append(f"arg_min(unit, {first}) = ?")
        params.append(f.unit)
    if f.period is not None:
        zone = ZoneInfo(f.timezone)
        lo = dt.datetime.combine(f.period[0], dt.time(), zone)
        hi = dt.datetime.combine(f.period[1] + dt.timedelta(days=1), dt.time(), zone)
        conds.append("min(timestamp) >= ? AND min(timestamp) < ?")
        params += [lo, hi]
    return conds, params


def _case_filter(f: Filter) -> tuple[str, list[Any]]:
    """A WHERE clause keeping the events of the cases ``f`` keeps ("" for all), and its
    parameters."""
    conds, params = _case_conditions(f)
    if not conds:
        return "", params
    return ("WHERE case_id IN (SELECT case_id FROM events GROUP BY case_id HAVING "
            + " AND ".join(conds) + ")"), params


def scope_sql(f: Filter, *, columns: str = "") -> tuple[str, list[Any]]:
    """CTEs ending in ``ev(case_id, activity, ts, pos[, columns])``: the kept events, ``pos``
    numbering each case's events in the stable order from 1."""
    where, params = _case_filter(f)
    extra = f", {columns}" if columns else ""
    sql = f"""
        ordered AS (
            SELECT case_id, activity, timestamp AS ts{extra},
                   row_number() OVER (PARTITION BY case_id ORDER BY {_ORDER}) AS pos
            FROM events {where})"""
    if f.coverage >= 1:
        return f"WITH {sql}, ev AS (SELECT * FROM ordered)", params
    sql += f""",
        traces AS (SELECT case_id, list(activity ORDER BY pos) AS trace
                   FROM ordered GROUP BY case_id),
        {_RANKED},
        kept AS (SELECT trace FROM ranked WHERE before < ? * total),
        ev AS (SELECT o.* FROM ordered o SEMI JOIN
               (SELECT case_id FROM traces SEMI JOIN kept USING (trace)) k USING (case_id))"""
    return "WITH " + sql, [*params, f.coverage]


_RANKED = """
        counted AS (SELECT trace, count(*) AS cases FROM traces GROUP BY trace),
        ranked AS (
            SELECT trace, cases, sum(cases) OVER () AS total,
                   coalesce(sum(cases) OVER (ORDER BY cases DESC, trace
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
            FROM counted)"""


def _variant_sql(f: Filter) -> tuple[str, list[Any]]:
    if f.coverage >= 1:  # every variant: each case's trace straight from its events, one sort
        where, params = _case_filter(f)
        return f"""WITH
        vtraces AS (SELECT case_id, list(activity ORDER BY {_ORDER}) AS trace
                    FROM events {where} GROUP BY case_id),
        vcounted AS (SELECT trace, count(*) AS cases FROM vtraces GROUP BY trace)""", params
    scope, params = scope_sql(f)
    sql = f"""{scope},
        vtraces AS (SELECT case_id, list(activity ORDER BY pos) AS trace
                    FROM ev GROUP BY case_id),
        vcounted AS (SELECT trace, count(*) AS cases FROM vtraces GROUP BY trace)"""
    return sql, params


def _counted(wh: Warehouse, f: Filter) -> str:
    """A TEMP table ``(trace, cases)`` of the variants ``f`` keeps, made once per filter and
    state of the events on this connection: variants, DFG and start/end activities (and a
    report asking them per service) share one sort of the events. A new load (another
    event count or last load) makes a new table."""
    count, last = wh.rows("SELECT count(*), max(load_id) FROM events")[0]
    key = hashlib.sha256(repr((f, count, last)).encode()).hexdigest()[:16]
    name = f"_discover_variants_{key}"
    if not wh.has_table(name):
        sql, params = _variant_sql(f)
        wh.execute(f"CREATE TEMP TABLE {name} AS {sql} SELECT trace, cases FROM vcounted",
                   params)
    return name


# --- measures -------------------------------------------------------------------------------


def variants(wh: Warehouse, f: Filter = Filter()) -> pd.DataFrame:
    """One row per variant, most frequent first: ``variant`` (rank from 1), ``activities``
    (a list), ``text`` (joined by ' → '), ``length``, ``cases``, ``share``, ``cumulative``."""
    df = wh.df(f"""
        SELECT trace AS activities, len(trace) AS length, cases,
               cases / sum(cases) OVER () AS share,
               sum(cases) OVER (ORDER BY cases DESC, trace ROWS UNBOUNDED PRECEDING)
                   / sum(cases) OVER () AS cumulative
        FROM {_counted(wh, f)} ORDER BY cases DESC, trace""")
    df.insert(0, "variant", np.arange(1, len(df) + 1))
    df.insert(2, "text", [ARROW.join(a) for a in df["activities"]])
    return df.astype({"length": "int64", "cases": "int64"})


def dfg(wh: Warehouse, f: Filter = Filter()) -> pd.DataFrame:
    """Directly-follows edges ``source, target, count`` (occurrences) and ``cases`` (cases
    taking the edge at least once), most frequent first. Counted once per variant, weighted."""
    return wh.df(f"""WITH
        pairs AS (
            SELECT trace, cases, unnest(list_zip(trace[1:len(trace) - 1], trace[2:])) AS p
            FROM {_counted(wh, f)} WHERE len(trace) > 1),
        per_variant AS (
            SELECT cases, p[1] AS source, p[2] AS target, count(*) AS times
            FROM pairs GROUP BY trace, cases, p)
        SELECT source, target, sum(times * cases)::BIGINT AS count, sum(cases)::BIGINT AS cases
        FROM per_variant GROUP BY source, target
        ORDER BY count DESC, source, target""")


def start_end(wh: Warehouse, f: Filter = Filter()) -> pd.DataFrame:
    """Per activity, the number of cases that ``start`` and ``end`` with it."""
    counted = _counted(wh, f)
    return wh.df(f"""
        SELECT activity, sum(s)::BIGINT AS start, sum(e)::BIGINT AS "end" FROM (
            SELECT trace[1] AS activity, cases AS s, 0 AS e FROM {counted}
            UNION ALL
            SELECT trace[len(trace)], 0, cases FROM {counted})
        GROUP BY activity ORDER BY start DESC, "end" DESC, activity""")


def _pairs(wh: Warehouse, f: Filter, *, per_case: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Consecutive event pairs: ``edge`` (source code * number of activities + target code),
    completion instants ``t0, t1`` (UTC ns); with ``per_case`` also the case's ``layanan`` and
    ``unit`` and the target's start instant ``s1`` (ns, null when not recorded). Activity codes
    index the sorted list of activity names returned beside."""
    columns = ""
    if per_case:
        first = f"OVER (PARTITION BY case_id ORDER BY {_ORDER})"
        columns = (f"first_value(layanan) {first} AS layanan, "
                   f"first_value(unit) {first} AS unit, start_timestamp AS start_ts")
    scope, params = scope_sql(f, columns=columns)
    acts = [r[0] for r in wh.rows(f"{scope} SELECT DISTINCT activity FROM ev ORDER BY 1", params)]
    k = max(len(acts), 1)
    extra = ", layanan, unit, epoch_ns(lead(start_ts) OVER w) AS s1" if per_case else ""
    pairs = wh.df(f"""{scope},
        codes AS (SELECT activity, (row_number() OVER (ORDER BY activity) - 1)::BIGINT AS code
                  FROM (SELECT DISTINCT activity FROM ev)),
        coded AS (SELECT e.*, c.code FROM ev e JOIN codes c USING (activity)),
        nexts AS (
            SELECT code AS a, lead(code) OVER w AS b, epoch_ns(ts) AS t0,
                   epoch_ns(lead(ts) OVER w) AS t1{extra}
            FROM coded WINDOW w AS (PARTITION BY case_id ORDER BY pos))
        SELECT a * {k} + b AS edge, * EXCLUDE (a, b) FROM nexts WHERE b IS NOT NULL""", params)
    return pairs, acts


def _quantiles(seconds: np.ndarray, groups: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Median and P90 (linear interpolation) of ``seconds`` per group code 0..n-1."""
    frame = pd.DataFrame({"g": groups, "s": seconds})
    grouped = frame.groupby("g")["s"]
    q = grouped.quantile(np.array([0.5, 0.9])).unstack()
    out = {"median": np.full(n, np.nan), "p90": np.full(n, np.nan), "total": np.zeros(n)}
    out["median"][q.index.to_numpy()] = q[0.5].to_numpy()
    out["p90"][q.index.to_numpy()] = q[0.9].to_numpy()
    totals = grouped.sum()
    out["total"][totals.index.to_numpy()] = totals.to_numpy()
    return out


def performance_dfg(wh: Warehouse, calendar: WorkingCalendar,
                    f: Filter = Filter()) -> pd.DataFrame:
    """Directly-follows edges with ``count``, ``median_working_s``, ``p90_working_s``,
    ``total_working_s`` (office hours of ``calendar`` between the two completions) and
    ``median_calendar_s`` (elapsed), most frequent first."""
    pairs, names = _pairs(wh, f)
    edges, inverse = np.unique(pairs["edge"].to_numpy(), return_inverse=True)
    t0, t1 = pairs["t0"].to_numpy(), pairs["t1"].to_numpy()
    work = _quantiles(working_seconds(calendar, t0.view(_NS), t1.view(_NS)), inverse, len(edges))
    elapsed = _quantiles((t1 - t0) / 1e9, inverse, len(edges))
    acts = np.array([*names, ""], dtype=object)
    out = pd.DataFrame({
        "source": acts[edges // max(len(names), 1)],
        "target": acts[edges % max(len(names), 1)],
        "count": np.bincount(inverse, minlength=len(edges)).astype("int64"),
        "median_working_s": work["median"],
        "p90_working_s": work["p90"],
        "total_working_s": work["total"],
        "median_calendar_s": elapsed["median"],
    })
    return out.sort_values(["count", "source", "target"], ascending=[False, True, True],
                           ignore_index=True)


BOTTLENECK_COLUMNS = ["layanan", "unit", "kind", "source", "target", "count", "total_working_s",
                      "share", "median_working_s", "p90_working_s"]


def bottlenecks(wh: Warehouse, calendar: WorkingCalendar, f: Filter = Filter(),
                top: int | None = None) -> pd.DataFrame:
    """Steps and hand-overs ranked by their share of working time, per layanan and unit.

    A hand-over ``a → b`` takes the working time from the completion of ``a`` to the start of
    ``b`` (its completion when the log has no start time). A step ``b`` takes the working time
    from its start to its completion, or, without a start time, the same interval as its
    incoming hand-over (the log cannot tell waiting from working then). ``share`` is the part
    of all step time (for steps) or all hand-over time (for hand-overs) of the layanan and unit.
    The first event of a case has no predecessor and counts for neither. Columns: see
    :data:`BOTTLENECK_COLUMNS`; a step row has an empty ``source``; ``top`` keeps the first
    rows of each layanan, unit and kind.
    """
    pairs, names = _pairs(wh, f, per_case=True)
    if pairs.empty:
        return pd.DataFrame(columns=BOTTLENECK_COLUMNS)
    t0, t1 = pairs["t0"].to_numpy(), pairs["t1"].to_numpy()
    start = pairs["s1"].to_numpy(dtype="float64", na_value=np.nan)
    has_start = ~np.isnan(start)
    mid = np.clip(np.where(has_start, np.nan_to_num(start).astype(np.int64), t1), t0, t1)
    wait = working_seconds(calendar, t0.view(_NS), mid.view(_NS))
    work = np.where(has_start, working_seconds(calendar, mid.view(_NS), t1.view(_NS)), wait)
    acts = np.array(names, dtype=object)
    k = max(len(names), 1)
    edge = pairs["edge"].to_numpy()
    frame = pd.DataFrame({
        "layanan": pairs["layanan"].fillna("").to_numpy(),
        "unit": pairs["unit"].fillna("").to_numpy(),
        "source": acts[edge // k], "target": acts[edge % k],
    })
    out = pd.concat([_rank(frame.assign(source="", s=work), "step"),
                     _rank(frame.assign(s=wait), "handover")], ignore_index=True)
    out = out.sort_values(["layanan", "unit", "kind", "share", "source", "target"],
                          ascending=[True, True, False, False, True, True], ignore_index=True)
    if top is not None:
        out = out.groupby(["layanan", "unit", "kind"], sort=False).head(top)
    return out.reset_index(drop=True)


def _rank(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    keys = ["layanan", "unit", "source", "target"]
    grouped = frame.groupby(keys, sort=True)["s"]
    out = grouped.agg(count="size", total_working_s="sum",
                      median_working_s="median").reset_index()
    out["p90_working_s"] = grouped.quantile(0.9).to_numpy()
    per_group = out.groupby(["layanan", "unit"])["total_working_s"].transform("sum")
    out["share"] = (out["total_working_s"] / per_group.where(per_group > 0)).fillna(0.0)
    out.insert(2, "kind", kind)
    return out[BOTTLENECK_COLUMNS]


# --- pm4py: the events it needs, the miners -------------------------------------------------


def events_frame(wh: Warehouse, f: Filter = Filter()) -> pd.DataFrame:
    """The kept events ``case_id, activity, timestamp`` in the stable order, for pm4py."""
    scope, params = scope_sql(f)
    return wh.df(f"{scope} SELECT case_id, activity, ts AS timestamp FROM ev "
                 "ORDER BY case_id, pos", params)


def case_events(wh: Warehouse, f: Filter = Filter()) -> pd.DataFrame:
    """The kept events with every canonical field, in the stable order (``seq`` numbers each
    case's events from 1): what :mod:`pipeline.timing` measures take."""
    scope, params = scope_sql(
        f, columns="start_timestamp, resource, role, layanan, unit, load_id, source_row")
    return wh.df(f"""{scope}
        SELECT case_id, activity, ts AS timestamp, start_timestamp, resource, role, layanan,
               unit, pos AS seq
        FROM ev ORDER BY case_id, pos""", params)


MINERS = ("inductive", "heuristics")


def discover_model(wh: Warehouse, f: Filter = Filter(), *, miner: str = "inductive",
                   threshold: float | None = None) -> Any:
    """A model mined by pm4py (:class:`pipeline._pm4py.DiscoveredModel`): the inductive
    miner with noise ``threshold`` (default 0.2) or the heuristics miner with dependency
    ``threshold`` (default 0.5). Write it with ``write_bpmn``, ``write_pnml``, ``write_svg``."""
    from pipeline import _pm4py

    events = events_frame(wh, f)
    if events.empty:
        raise InputError("no cases are left after the filter; widen the period, layanan, unit "
                         "or coverage.")
    if miner == "inductive":
        return _pm4py.inductive_model(events, 0.2 if threshold is None else threshold)
    if miner == "heuristics":
        return _pm4py.heuristics_model(events, 0.5 if threshold is None else threshold)
    raise InputError(f"unknown miner '{miner}'; use one of {', '.join(MINERS)}.")
