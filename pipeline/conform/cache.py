"""Alignments cached in the warehouse, one per model, variant and mode.

Table ``alignment_cache`` is keyed by the model's hash (:attr:`ModelView.key`: its net, its
return edges and the aligner version), the variant's hash (its activities) and ``prefix`` (an
open case is aligned as a prefix). :func:`alignments` reads what is there and aligns only the
variants not seen before, so a re-run or a new load costs only its new variants.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from pipeline import align
from pipeline.align import Alignment
from pipeline.conform.model import ModelView
from pipeline.warehouse import Warehouse

#: Below this many new variants, aligning in one process beats starting workers (our search
#: takes well under a millisecond per SOP variant; a worker takes ~0.1 s to start).
PARALLEL_FROM = 20_000

Key = tuple[str, bool]  # (variant hash, prefix)


def variant_hash(trace: Sequence[str]) -> str:
    text = json.dumps(list(trace), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_workers(new: int) -> int:
    """Processes for ``new`` variants: one for few, else up to two (the machine's cores)."""
    if new < PARALLEL_FROM:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def alignments(wh: Warehouse, view: ModelView, variants: Sequence[tuple[tuple[str, ...], bool]],
               *, workers: int | None = None) -> tuple[dict[Key, Alignment], int]:
    """The alignment of each (trace, prefix), and how many had to be computed now."""
    wanted = {(variant_hash(trace), prefix): trace for trace, prefix in variants}
    found = _cached(wh, view.key, list(wanted))
    missing = sorted(k for k in wanted if k not in found)
    if missing:
        traces = [wanted[k] for k in missing]
        n_workers = default_workers(len(missing)) if workers is None else workers
        computed = align.align_traces(view.net, traces, [p for _, p in missing],
                                       costly=view.costly, targets=view.targets,
                                       workers=n_workers)
        _store(wh, view.key, missing, traces, computed)
        found.update(zip(missing, computed, strict=True))
    return found, len(missing)


def _cached(wh: Warehouse, model_hash: str, keys: list[Key]) -> dict[Key, Alignment]:
    if not keys:
        return {}
    wanted = pd.DataFrame({"variant_hash": [k for k, _ in keys], "prefix": [p for _, p in keys]})
    with wh.registered("_wanted_variants", wanted):
        rows = wh.rows(
            """SELECT c.variant_hash, c.prefix, c.deviations, c.fitness, c.moves
               FROM alignment_cache c JOIN _wanted_variants w
                 ON c.variant_hash = w.variant_hash AND c.prefix = w.prefix
               WHERE c.model_hash = ?""", [model_hash])
    return {(h, bool(p)): Alignment(int(d), float(f), tuple((int(i), str(t))
                                                             for i, t in json.loads(m)))
            for h, p, d, f, m in rows}


def _store(wh: Warehouse, model_hash: str, keys: list[Key], traces: list[tuple[str, ...]],
           computed: list[Alignment]) -> None:
    now = dt.datetime.now(dt.UTC)
    table = pa.table({
        "model_hash": pa.array([model_hash] * len(keys), pa.string()),
        "variant_hash": pa.array([h for h, _ in keys], pa.string()),
        "prefix": pa.array([p for _, p in keys], pa.bool_()),
        "activities": pa.array([list(t) for t in traces], pa.list_(pa.string())),
        "deviations": pa.array([a.deviations for a in computed], pa.int32()),
        "fitness": pa.array([a.fitness for a in computed], pa.float64()),
        "moves": pa.array([json.dumps([list(m) for m in a.moves], separators=(",", ":"))
                           for a in computed], pa.string()),
        "aligned_at": pa.array([now] * len(keys), pa.timestamp("us", tz="UTC")),
    })
    with wh.registered("_new_alignments", table), wh.transaction():
        wh.execute("""INSERT OR IGNORE INTO alignment_cache
                      SELECT model_hash, variant_hash, prefix, activities, deviations,
                             fitness, moves::JSON, aligned_at FROM _new_alignments""")
