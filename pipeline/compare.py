"""The comparison map's data: the SOP's directly-follows relation beside the observed one.

:func:`sop_flow` derives which step may directly follow which from an SOP: ``berikut``, every
``cabang`` target and the return (``kembali``) edges. Steps with ``dicatat: false`` leave no
event in the log, so they are skipped over: ``a → (silent s) → b`` gives the edge ``a → b``.
:func:`net_flow` derives the same relation from any declared Petri net (a BPMN or PNML model)
by walking its reachability graph, silent transitions skipped over.

:func:`compare` classes every edge, the start and end edges included (from :data:`START`,
to :data:`END`):

- ``taken_in_sop``: in the SOP and taken by at least one case;
- ``deviating``: taken, but not in the SOP;
- ``untaken``: in the SOP, never taken.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from pipeline.errors import SopError
from pipeline.sop.declared import DeclaredModel
from pipeline.sop.model import Sop
from pipeline.sop.net import Net

START, END = "▶", "■"
CLASSES = ("taken_in_sop", "deviating", "untaken")
Edge = tuple[str, str]


@dataclass(frozen=True)
class Flow:
    """A declared directly-follows relation. ``edges`` include the start edges (from
    :data:`START`) and end edges (to :data:`END`); ``returns`` are the rework edges."""

    steps: tuple[str, ...]
    edges: frozenset[Edge]
    returns: frozenset[Edge] = frozenset()


def sop_flow(sop: Sop) -> Flow:
    """The directly-follows relation of ``sop``, steps with ``dicatat: false`` skipped over."""
    recorded = {s.id for s in sop.langkah if s.dicatat}

    def reach(step_id: str, back: bool) -> set[tuple[str, bool]]:
        """Recorded steps (or END) reached from ``step_id`` through unrecorded steps only."""
        found: set[tuple[str, bool]] = set()
        todo = deque([(step_id, back)])
        seen: set[tuple[str, bool]] = set()
        while todo:
            node, is_back = todo.popleft()
            if (node, is_back) in seen:
                continue
            seen.add((node, is_back))
            if node in recorded:
                found.add((node, is_back))
                continue
            step = sop.step(node)
            if step.is_end:
                found.add((END, is_back))
            for target, kembali in step.edges():
                todo.append((target, is_back or kembali))
        return found

    edges: set[Edge] = set()
    returns: set[Edge] = set()
    for target, _ in reach(sop.start.id, False):
        edges.add((START, target))
    for step in sop.langkah:
        if not step.dicatat:
            continue
        nexts = {(END, False)} if step.is_end else set()
        for target, kembali in step.edges():
            nexts |= reach(target, kembali)
        for target, back in nexts:
            edges.add((step.id, target))
            if back:
                returns.add((step.id, target))
    steps = tuple(s.id for s in sop.langkah if s.dicatat)
    return Flow(steps, frozenset(edges), frozenset(returns))


def net_flow(net: Net, max_states: int = 100_000) -> Flow:
    """The directly-follows relation of a Petri net's language, from its reachability graph."""
    label = {t.id: t.label for t in net.transitions}
    final = _key(net.final)
    fire = net.fire

    def after_silent(marking: dict[str, int]) -> list[dict[str, int]]:
        out, todo, seen = [], [marking], {_key(marking)}
        while todo:
            m = todo.pop()
            out.append(m)
            for t in label:
                if label[t] is None and (n := fire(m, t)) is not None and _key(n) not in seen:
                    seen.add(_key(n))
                    todo.append(n)
        return out

    def visible_next(marking: dict[str, int]) -> set[str]:
        found: set[str] = set()
        for m in after_silent(marking):
            if _key(m) == final:
                found.add(END)
            found |= {str(label[t]) for t in label
                      if label[t] is not None and fire(m, t) is not None}
        return found

    edges: set[Edge] = {(START, b) for b in visible_next(dict(net.initial))}
    todo = deque([dict(net.initial)])
    seen = {_key(net.initial)}
    while todo:
        if len(seen) > max_states:
            raise SopError(f"the net has more than {max_states} reachable markings",
                           file=net.name, fix="Give a bounded (safe) net.")
        m = todo.popleft()
        for t in label:
            n = fire(m, t)
            if n is None:
                continue
            if label[t] is not None:
                edges |= {(str(label[t]), b) for b in visible_next(n)}
            if _key(n) not in seen:
                seen.add(_key(n))
                todo.append(n)
    return Flow(net.labels, frozenset(edges))


def _key(marking: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((p, n) for p, n in marking.items() if n > 0))


def declared_flow(model: DeclaredModel | Sop) -> Flow:
    """The flow of an SOP (from its steps) or of a BPMN/PNML model (from its net)."""
    if isinstance(model, Sop):
        return sop_flow(model)
    return sop_flow(model.sop) if model.sop is not None else net_flow(model.net)


def observed_edges(dfg: pd.DataFrame, start_end: pd.DataFrame) -> pd.DataFrame:
    """The observed edges with start and end edges added, as :func:`compare` takes them."""
    starts = start_end[start_end["start"] > 0]
    ends = start_end[start_end["end"] > 0]
    return pd.concat([
        dfg,
        pd.DataFrame({"source": START, "target": starts["activity"], "count": starts["start"],
                      "cases": starts["start"]}),
        pd.DataFrame({"source": ends["activity"], "target": END, "count": ends["end"],
                      "cases": ends["end"]}),
    ], ignore_index=True)


def compare(observed: pd.DataFrame, flow: Flow) -> pd.DataFrame:
    """Every edge observed or declared, with its class (:data:`CLASSES`) and ``is_return``.

    ``observed`` has ``source, target, count`` and any measures (``cases``,
    ``median_working_s``, ...), start and end edges included (:func:`observed_edges`).
    Untaken edges have count 0 and empty measures.
    """
    taken = {(a, b) for a, b in zip(observed["source"], observed["target"], strict=True)}
    missing = sorted(flow.edges - taken)
    untaken = pd.DataFrame({"source": [a for a, _ in missing], "target": [b for _, b in missing],
                            "count": 0})
    out = pd.concat([observed, untaken], ignore_index=True)
    pairs = list(zip(out["source"], out["target"], strict=True))
    out["class"] = ["untaken" if p not in taken else
                    "taken_in_sop" if p in flow.edges else "deviating" for p in pairs]
    out["is_return"] = [p in flow.returns for p in pairs]
    out["count"] = out["count"].astype("int64")
    if "cases" in out.columns:
        out["cases"] = out["cases"].astype("Int64")
    return out


def classes_of(table: pd.DataFrame) -> dict[Edge, str]:
    """Edge -> class, for tests and reports."""
    return dict(zip(zip(table["source"], table["target"], strict=True), table["class"],
                    strict=True))


def unknown_activities(observed: Iterable[str], flow: Flow) -> list[str]:
    """Activities in the log that the SOP does not know (their edges all deviate)."""
    return sorted(set(observed) - set(flow.steps) - {START, END})
