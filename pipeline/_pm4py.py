"""The only module of sopmine that imports pm4py, always lazily (``import pm4py`` takes seconds).

Typed wrappers from sopmine's plain objects to pm4py's: a :class:`~pipeline.sop.net.Net`
becomes a pm4py Petri net with its markings; traces are lists of activity names.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.sop.net import Net

Trace = Sequence[str]

# pm4py prints a licence banner to stderr when imported from a __main__ script; sopmine's
# output is read by people and parsed by scripts, so mark the banner as already shown.
sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]


@contextmanager
def _quiet() -> Iterator[None]:
    """pm4py's LP search swallows any exception, warnings made errors included (its easy-soundness
    check then reports a sound net as unsound): run pm4py with its warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def to_pm4py(net: Net) -> tuple[Any, Any, Any]:
    """(PetriNet, initial Marking, final Marking); transitions keep their ids as names."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    pn = PetriNet(net.name)
    nodes: dict[str, Any] = {}
    for p in net.places:
        nodes[p] = PetriNet.Place(p)
        pn.places.add(nodes[p])
    for t in net.transitions:
        nodes[t.id] = PetriNet.Transition(t.id, t.label)
        pn.transitions.add(nodes[t.id])
    weights: dict[tuple[str, str], int] = {}
    for arc in net.arcs:
        weights[arc] = weights.get(arc, 0) + 1
    for (a, b), weight in weights.items():
        petri_utils.add_arc_from_to(nodes[a], nodes[b], pn, weight=weight)
    initial = Marking({nodes[p]: n for p, n in net.initial.items()})
    final = Marking({nodes[p]: n for p, n in net.final.items()})
    return pn, initial, final


def _event_log(traces: Sequence[Trace]) -> Any:
    from pm4py.objects.log.obj import Event, EventLog
    from pm4py.objects.log.obj import Trace as PmTrace

    log = EventLog()
    for i, trace in enumerate(traces):
        pm_trace = PmTrace(attributes={"concept:name": str(i)})
        for activity in trace:
            pm_trace.append(Event({"concept:name": activity}))
        log.append(pm_trace)
    return log


def alignment_fitness(net: Net, traces: Sequence[Trace]) -> list[float]:
    """Trace fitness of each trace by optimal alignments (standard cost function)."""
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    pn, im, fm = to_pm4py(net)
    with _quiet():
        results = alignments.apply_log(_event_log(traces), pn, im, fm,
                                       parameters={"show_progress_bar": False})
    return [float(r["fitness"]) for r in results]


def token_replay_fitness(net: Net, traces: Sequence[Trace]) -> list[float]:
    """Trace fitness of each trace by token-based replay."""
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

    pn, im, fm = to_pm4py(net)
    with _quiet():
        results = token_replay.apply(_event_log(traces), pn, im, fm,
                                     parameters={"show_progress_bar": False})
    return [float(r["trace_fitness"]) for r in results]


def woflan_sound(net: Net) -> bool:
    """pm4py's Woflan verdict: is ``net`` a sound workflow net?"""
    from pm4py.algo.analysis.woflan import algorithm as woflan

    pn, im, fm = to_pm4py(net)
    params = {"print_diagnostics": False, "return_diagnostics": False,
              "return_asap_when_not_sound": True}
    with _quiet():
        return bool(woflan.apply(pn, im, fm, parameters=params))


# === Conformance: pm4py's A* with sopmine's cost function, the oracle of pipeline.align ======
# sopmine aligns with its own search (:mod:`pipeline.align`); this is the same job done by
# pm4py's state-equation A* with the very same costs, kept so the tests can hold our search
# to pm4py's optimum (same deviations, fitness and moves on every variant of the real logs).

from pipeline.align import Alignment, Costs, drained, normalise  # noqa: E402


class _Aligner:
    """The pm4py nets of one model (built once) and the alignment of one trace against them."""

    def __init__(self, net: Net, costly: frozenset[str], targets: frozenset[str],
                 shortest: int) -> None:
        self.net = net
        self.full = to_pm4py(net)
        self.prefix = to_pm4py(drained(net))
        self.nets = {False: net, True: drained(net)}
        self.costly, self.targets, self.shortest = costly, targets, shortest
        self.labels = {t.id: t.label for t in self.nets[True].transitions}

    def align(self, trace: Trace, prefix: bool) -> Alignment:
        from pm4py.algo.conformance.alignments.petri_net.variants import (
            state_equation_a_star as sea,
        )
        from pm4py.objects.log.obj import Event
        from pm4py.objects.log.obj import Trace as PmTrace

        pn, im, fm = self.prefix if prefix else self.full
        costs = Costs.of(self.net, self.nets[prefix], len(trace), prefix, self.costly,
                         self.targets, self.shortest)
        params = {
            sea.Parameters.PARAM_TRACE_COST_FUNCTION: list(costs.log),
            sea.Parameters.PARAM_MODEL_COST_FUNCTION: {t: costs.model[t.name]
                                                       for t in pn.transitions},
            sea.Parameters.PARAM_SYNC_COST_FUNCTION: {t: 0 for t in pn.transitions
                                                      if t.label is not None},
            sea.Parameters.PARAM_ALIGNMENT_RESULT_IS_SYNC_PROD_AWARE: True,
        }
        pm_trace = PmTrace([Event({"concept:name": a}) for a in trace])
        with _quiet():
            result = sea.apply(pm_trace, pn, im, fm, parameters=params)
        if result is None:
            raise ValueError("no alignment: the model cannot reach its final marking")
        steps = [("sync" if log != ">>" and model != ">>" else ">>" if model == ">>"
                  else "model", model if model != ">>" else "")
                 for (log, model), _ in result["alignment"]]
        return normalise(steps, self.labels, len(trace), self.shortest)


def _align_chunk(net: Net, costly: frozenset[str], targets: frozenset[str], shortest: int,
                 items: Sequence[tuple[Trace, bool]]) -> list[Alignment]:
    aligner = _Aligner(net, costly, targets, shortest)
    return [aligner.align(trace, prefix) for trace, prefix in items]


def align_traces(net: Net, traces: Sequence[Trace], prefix: Sequence[bool], *,
                 costly: Sequence[str] = (), targets: Sequence[str] = ()) -> list[Alignment]:
    """pm4py's optimal alignment of each trace with sopmine's costs (see
    :func:`pipeline.align.align_traces`, which the checker uses)."""
    shortest = net.shortest_visible_run()
    return _align_chunk(net, frozenset(costly), frozenset(targets), shortest,
                        list(zip(traces, prefix, strict=True)))


# === Discovery: pm4py's miners and its DFG/variants as the oracle (pipeline.discover) ========
# Canonical event columns become pm4py's names only here. ``events`` is a DataFrame with
# ``case_id, activity, timestamp`` in the warehouse's stable order (``timestamp, load_id,
# source_row``); pm4py sorts by case, timestamp and row index (a stable sort), so events with
# equal timestamps keep the order given.

PM4PY_NAMES = {"case_id": "case:concept:name", "activity": "concept:name",
               "timestamp": "time:timestamp"}


def pm4py_frame(events: Any) -> Any:
    """Canonical events as a pm4py dataframe (pm4py's column names, formatted by pm4py)."""
    import pm4py

    frame = events[list(PM4PY_NAMES)].rename(columns=PM4PY_NAMES).reset_index(drop=True)
    with _quiet():
        return pm4py.format_dataframe(frame, case_id=PM4PY_NAMES["case_id"],
                                      activity_key=PM4PY_NAMES["activity"],
                                      timestamp_key=PM4PY_NAMES["timestamp"])


def dfg_counts(events: Any) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]]:
    """pm4py.discover_dfg: (edge counts, start activity counts, end activity counts)."""
    import pm4py

    with _quiet():
        dfg, start, end = pm4py.discover_dfg(pm4py_frame(events))
    return ({(str(a), str(b)): int(n) for (a, b), n in dfg.items()},
            {str(a): int(n) for a, n in start.items()}, {str(a): int(n) for a, n in end.items()})


def variant_counts(events: Any) -> dict[tuple[str, ...], int]:
    """pm4py.get_variants: activities of each variant -> number of cases."""
    import pm4py

    with _quiet():
        found = pm4py.get_variants(pm4py_frame(events))
    return {tuple(str(a) for a in v): int(n if isinstance(n, int) else len(n))
            for v, n in found.items()}


def performance_dfg_seconds(events: Any, measure: str = "median") -> dict[tuple[str, str], float]:
    """pm4py.discover_performance_dfg: elapsed seconds between completions per edge."""
    import pm4py

    with _quiet():
        perf, _, _ = pm4py.discover_performance_dfg(pm4py_frame(events))
    return {(str(a), str(b)): float(v[measure]) for (a, b), v in perf.items()}


def timed_pm4py_discovery(events: Any) -> tuple[Any, Any, Any, Any]:
    """What a plain pm4py script runs for the benchmark: DFG, variants, performance DFG."""
    import pm4py

    frame = pm4py_frame(events)
    with _quiet():
        dfg = pm4py.discover_dfg(frame)
        found = pm4py.get_variants(frame)
        perf = pm4py.discover_performance_dfg(frame)
    return frame, dfg, found, perf


class DiscoveredModel:
    """A model mined by pm4py: a Petri net with its markings and a BPMN diagram."""

    def __init__(self, miner: str, net: Any, initial: Any, final: Any, bpmn: Any) -> None:
        self.miner, self.net, self.initial, self.final, self.bpmn = miner, net, initial, final, bpmn

    @property
    def activities(self) -> tuple[str, ...]:
        return tuple(sorted({t.label for t in self.net.transitions if t.label is not None}))

    def write_pnml(self, path: str) -> None:
        import pm4py

        with _quiet():
            pm4py.write_pnml(self.net, self.initial, self.final, path)

    def write_bpmn(self, path: str) -> None:
        import pm4py

        with _quiet():
            pm4py.write_bpmn(self.bpmn, path)

    def write_svg(self, path: str) -> None:
        """The BPMN diagram drawn by pm4py's Graphviz visualiser."""
        import pm4py

        with _quiet():
            pm4py.save_vis_bpmn(self.bpmn, path)


def inductive_model(events: Any, noise: float = 0.2) -> DiscoveredModel:
    """Inductive miner (infrequent variant, ``noise`` threshold 0..1): sound by construction."""
    import pm4py

    with _quiet():
        tree = pm4py.discover_process_tree_inductive(pm4py_frame(events), noise_threshold=noise)
        net, im, fm = pm4py.convert_to_petri_net(tree)
        bpmn = pm4py.convert_to_bpmn(tree)
    return DiscoveredModel("inductive", net, im, fm, bpmn)


def heuristics_model(events: Any, dependency: float = 0.5) -> DiscoveredModel:
    """Heuristics miner with its ``dependency`` threshold (0..1)."""
    import pm4py

    with _quiet():
        net, im, fm = pm4py.discover_petri_net_heuristics(pm4py_frame(events),
                                                          dependency_threshold=dependency)
        bpmn = pm4py.convert_to_bpmn(net, im, fm)
    return DiscoveredModel("heuristics", net, im, fm, bpmn)
