"""Optimal alignments of traces against a :class:`~pipeline.sop.Net`, by our own search.

A Dijkstra search over the synchronous product (trace position x marking) with the cost
function below; the net's reachability graph is built once per net and shared by every trace,
so a variant costs a fraction of a millisecond and no pm4py (4 s, 200 MB to import) is needed.
pm4py's A* with the same costs (:func:`pipeline._pm4py.align_traces`) is the oracle in the
tests: same deviations, same fitness, same moves.

Cost function. pm4py breaks ties between equally good alignments in the iteration order of
sets hashed by memory address, so a variant could get a different alignment on every run. So
that one variant always gets the same alignment, a deviation (a log move, or a model move on a
visible transition) costs ``big`` plus a small extra, in tiers: a skipped step costs least
(each step its own power of two, so two different sets of skipped steps never cost the same),
then an extra event (a later event less than an earlier one, in steps above any set of skips),
then skipping a step that a return edge leads back to (``targets``). So a step repeated right
after itself is rework with a step skipped only when a return edge leads back to the repeated
step (pbg: periksa_teknis, [perbaiki], periksa_teknis); otherwise it is an extra (kk:
validasi, validasi). An open case (``prefix``) has no such tie to settle but a trailing event
read as an extra: there skipping a target is ordinary and the return edges (``costly``) are
dear instead. ``big`` exceeds the sum of the extras of any alignment with the fewest
deviations, so the number of deviations is the optimum of the standard cost function and the
fitness equals pm4py's: 1 - deviations / (events + visible steps of the shortest model run).
``prefix=True`` aligns an open case: every place gets a silent "drain" transition and the
final marking is empty, so the model run may stop anywhere (steps not reached yet cost nothing).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.sop.net import Net, Transition

ALIGNER_VERSION = "sopmine-align/4"  # part of the alignment cache key: bump on any change here

#: (event index, transition id): index -1 is a model move, transition "" a log move.
Move = tuple[int, str]
Trace = Sequence[str]
#: the largest synchronous product one trace may explore before we give up
MAX_STATES = 2_000_000


@dataclass(frozen=True)
class Alignment:
    """One trace's optimal alignment: ``deviations`` (log moves plus visible model moves),
    ``fitness`` and the moves in order (within a stretch between two synchronous moves, log
    moves come first)."""

    deviations: int
    fitness: float
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class Costs:
    """The integer costs of one trace's moves (see the module docstring)."""

    log: tuple[int, ...]  # per event index
    model: dict[str, int]  # per transition id (visible: a skipped step; silent: a tau)

    @classmethod
    def of(cls, net: Net, searched: Net, n: int, prefix: bool, costly: frozenset[str],
           targets: frozenset[str], shortest: int) -> Costs:
        """Costs for a trace of ``n`` events against ``net``, searched as ``searched`` (the
        net itself, or its drained copy for a prefix: drains are taus that cost 1)."""
        visible = sorted(t.id for t in net.transitions if t.label is not None)
        rank = {t: k for k, t in enumerate(visible)}
        silent = sum(1 for t in net.transitions if t.label is None)
        moves = 2 * n + shortest + 1               # most deviations of an optimal alignment
        taus = moves * (silent + 1)                # most silent moves beside them
        if len(visible) <= 16:                     # distinct sets of skipped steps cost apart
            weight = [1 << r for r in range(len(visible))]
        else:
            weight = [r + 1 for r in range(len(visible))]
        step = moves * 2 * (weight[-1] if weight else 1) + taus + 1  # above any set of skips
        dear = moves * (n + 2) * step              # above any set of extras
        returns = dear if prefix else 1
        bound = moves * (dear + step) + taus * dear
        big = 10000 * (bound // 10000 + 1)
        model = {}
        for t in searched.transitions:
            if t.label is not None:
                target = not prefix and t.id in targets
                model[t.id] = big + weight[rank[t.id]] + (dear if target else 0)
            else:
                model[t.id] = returns if t.id in costly else 1
        return cls(tuple(big + (n - j) * step for j in range(n)), model)


def drained(net: Net) -> Net:
    """``net`` with a silent drain transition per place and no final marking (prefixes)."""
    drains = tuple(Transition(f"__drain__{p}", None) for p in net.places)
    return replace(net, transitions=net.transitions + drains,
                   arcs=net.arcs + tuple((p, f"__drain__{p}") for p in net.places), final={})


class _Graph:
    """The reachability graph of a net, explored lazily and shared by every trace: markings
    as numbers, and per marking the (transition, next marking) pairs in transition order."""

    def __init__(self, net: Net) -> None:
        self.net = net
        self.ids: dict[tuple[tuple[str, int], ...], int] = {}
        self.markings: list[dict[str, int]] = []
        self.next: dict[int, list[tuple[Transition, int]]] = {}
        self.start = self.number(dict(net.initial))
        self.final = self.number(dict(net.final))
        self.order = sorted(net.transitions, key=lambda t: t.id)

    def number(self, marking: dict[str, int]) -> int:
        key = tuple(sorted((p, k) for p, k in marking.items() if k > 0))
        if key not in self.ids:
            self.ids[key] = len(self.markings)
            self.markings.append(dict(key))
        return self.ids[key]

    def successors(self, m: int) -> list[tuple[Transition, int]]:
        if m not in self.next:
            here = self.markings[m]
            self.next[m] = [(t, self.number(after)) for t in self.order
                            if (after := self.net.fire(here, t.id)) is not None]
        return self.next[m]


class Aligner:
    """Aligns traces against one net (and its drained copy for open cases)."""

    def __init__(self, net: Net, costly: Sequence[str] = (), targets: Sequence[str] = (),
                 shortest: int | None = None) -> None:
        self.net = net
        self.costly, self.targets = frozenset(costly), frozenset(targets)
        self.shortest = net.shortest_visible_run() if shortest is None else shortest
        self.graphs = {False: _Graph(net), True: _Graph(drained(net))}

    def align(self, trace: Trace, prefix: bool = False) -> Alignment:
        graph = self.graphs[prefix]
        n = len(trace)
        costs = Costs.of(self.net, graph.net, n, prefix, self.costly, self.targets,
                         self.shortest)
        start = (0, graph.start)
        best = {start: 0}
        came: dict[tuple[int, int], tuple[tuple[int, int], str, str]] = {}
        heap = [(0, 0, start)]
        pushed = 0
        while heap:
            cost, _, state = heapq.heappop(heap)
            if cost > best[state]:
                continue
            i, m = state
            if i == n and m == graph.final:
                return self._result(came, state, n)
            options: list[tuple[int, tuple[int, int], str, str]] = []
            if i < n:
                options.append((cost + costs.log[i], (i + 1, m), ">>", ""))
            for t, after in graph.successors(m):
                if t.label is not None and i < n and t.label == trace[i]:
                    options.append((cost, (i + 1, after), "sync", t.id))
                options.append((cost + costs.model[t.id], (i, after), "model", t.id))
            for new, nxt, kind, tid in options:
                if new < best.get(nxt, new + 1):
                    best[nxt] = new
                    came[nxt] = (state, kind, tid)
                    pushed += 1
                    if pushed > MAX_STATES:
                        return self._with_pm4py(trace, prefix)
                    heapq.heappush(heap, (new, pushed, nxt))
        raise ValueError(f"{self.net.name}: no alignment: the model cannot reach its final "
                         "marking")

    def _with_pm4py(self, trace: Trace, prefix: bool) -> Alignment:
        """A trace whose synchronous product is too large for a blind search: pm4py's A*,
        guided by the state equation, with the same costs (so the same optimum)."""
        from pipeline import _pm4py

        return _pm4py.align_traces(self.net, [trace], [prefix], costly=sorted(self.costly),
                                   targets=sorted(self.targets))[0]

    def _result(self, came: dict[tuple[int, int], tuple[tuple[int, int], str, str]],
                state: tuple[int, int], n: int) -> Alignment:
        steps: list[tuple[str, str]] = []
        while state in came:
            state, kind, tid = came[state]
            steps.append((kind, tid))
        steps.reverse()
        labels = {t.id: t.label for t in self.graphs[True].net.transitions}
        return normalise(steps, labels, n, self.shortest)


def normalise(steps: Sequence[tuple[str, str]], labels: dict[str, str | None], n: int,
              shortest: int) -> Alignment:
    """Moves from the steps of an alignment (kind ``sync``, ``>>`` for a log move, ``model``;
    and the transition id): within a stretch between two synchronous moves, log moves first;
    drain transitions left out; fitness = 1 - deviations / (events + shortest model run)."""
    moves: list[Move] = []
    block_log: list[Move] = []
    block_model: list[Move] = []
    index = 0
    deviations = 0
    for kind, tid in steps:
        if kind == "sync":
            moves += block_log + block_model + [(index, tid)]
            block_log, block_model = [], []
            index += 1
        elif kind == ">>":
            block_log.append((index, ""))
            index += 1
            deviations += 1
        elif not tid.startswith("__drain__"):
            block_model.append((-1, tid))
            deviations += labels.get(tid) is not None
    moves += block_log + block_model
    total = n + shortest
    fitness = 1 - deviations / total if total > 0 else 0.0
    return Alignment(deviations, fitness, tuple(moves))


def _align_chunk(net: Net, costly: Sequence[str], targets: Sequence[str], shortest: int,
                 items: Sequence[tuple[Trace, bool]]) -> list[Alignment]:
    aligner = Aligner(net, costly, targets, shortest)
    return [aligner.align(trace, prefix) for trace, prefix in items]


def align_traces(net: Net, traces: Sequence[Trace], prefix: Sequence[bool], *,
                 costly: Sequence[str] = (), targets: Sequence[str] = (),
                 workers: int = 1) -> list[Alignment]:
    """The optimal alignment of each trace (an open case's with ``prefix`` true) against
    ``net``. For ties (see the module docstring): ``costly``, the silent transitions of return
    edges; ``targets``, the visible transitions they lead back to. With ``workers`` > 1 the
    traces are spread over that many processes (worth it only for many thousands of long
    traces: a variant of an SOP takes well under a millisecond)."""
    shortest = net.shortest_visible_run()
    items = list(zip(traces, prefix, strict=True))
    if workers <= 1 or len(items) < 2 * workers:
        return _align_chunk(net, costly, targets, shortest, items)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    chunks = [items[k::workers] for k in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        done = list(pool.map(_align_chunk, [net] * workers, [tuple(costly)] * workers,
                             [tuple(targets)] * workers, [shortest] * workers, chunks))
    out: list[Alignment] = [None] * len(items)  # type: ignore[list-item]
    for k, part in enumerate(done):
        out[k::workers] = part
    return out
