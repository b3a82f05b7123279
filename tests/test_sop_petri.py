"""Every SOP of the demo library is a sound workflow net whose language is the SOP's flow:
every path the SOP allows replays with fitness 1, a skipped, swapped or foreign step does not."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from pipeline import _pm4py
from pipeline.sop import Sop, check_soundness, load_sop, sop_to_net

REPO = Path(__file__).resolve().parents[1]
SOPS = [*sorted((REPO / "data" / "sop").glob("*.yaml")), REPO / "tests/data/sop/kk-baru-contoh.yaml"]


def allowed_paths(sop: Sop) -> set[tuple[str, ...]]:
    """Recorded step sequences from start to end, each return arrow taken at most once."""
    found: set[tuple[str, ...]] = set()

    def walk(step_id: str, trace: tuple[str, ...], used: frozenset[tuple[str, str]]) -> None:
        step = sop.step(step_id)
        trace = (*trace, step_id) if step.dicatat else trace
        if step.is_end:
            found.add(trace)
        for target, kembali in step.edges():
            if kembali and (step_id, target) in used:
                continue
            walk(target, trace, used | {(step_id, target)} if kembali else used)

    walk(sop.start.id, (), frozenset())
    return found


def sop_accepts(sop: Sop, trace: tuple[str, ...]) -> bool:
    """The SOP's own reading of a trace: walk the flowchart, silent steps for free."""

    def closure(states: set[str]) -> set[str]:
        todo, seen = list(states), set(states)
        while todo:
            step = sop.step(todo.pop())
            if not step.dicatat:
                for target, _ in step.edges():
                    if target not in seen:
                        seen.add(target)
                        todo.append(target)
        return seen

    def done(state: str) -> bool:  # a silent end step finishes by itself
        return state == "END"

    states = closure({sop.start.id})
    for activity in trace:
        nxt = set()
        for s in states:
            step = sop.step(s) if s != "END" else None
            if step is not None and step.dicatat and s == activity:
                nxt |= {t for t, _ in step.edges()} or {"END"}
        states = closure({s for s in nxt if s != "END"}) | ({"END"} & nxt)
        states |= {"END" for s in list(states) if s != "END" and sop.step(s).is_end
                   and not sop.step(s).dicatat}
    ends_silently = any(s != "END" and sop.step(s).is_end and not sop.step(s).dicatat
                        for s in states)
    return any(done(s) for s in states) or ends_silently


def mutants(path: tuple[str, ...]) -> set[tuple[str, ...]]:
    out = {path[:k] + path[k + 1:] for k in range(len(path))}  # a step skipped
    out |= {(*path[:k], path[k + 1], path[k], *path[k + 2:]) for k in range(len(path) - 1)}
    out |= {(*path[:1], "langkah_asing", *path[1:])}  # a step that is not in the SOP
    return out


@pytest.mark.parametrize("path", SOPS, ids=lambda p: p.stem)
def test_sop_net_is_a_sound_workflow_net(path: Path) -> None:
    net = sop_to_net(load_sop(path))
    verdict = check_soundness(net)
    assert verdict.sound, verdict.problems
    assert _pm4py.woflan_sound(net)  # pm4py's Woflan agrees


@pytest.mark.parametrize("path", SOPS, ids=lambda p: p.stem)
def test_allowed_paths_fit_and_deviations_do_not(path: Path) -> None:
    sop = load_sop(path)
    net = sop_to_net(sop)
    good = sorted(allowed_paths(sop))
    assert good and all(sop_accepts(sop, t) for t in good)
    bad = sorted({m for t in good for m in mutants(t)} - set(good))
    expected = [1.0 if sop_accepts(sop, m) else "<1" for m in bad]
    fitness = _pm4py.alignment_fitness(net, good + bad)
    assert fitness[: len(good)] == [1.0] * len(good)
    got = [1.0 if f == 1.0 else "<1" for f in fitness[len(good):]]
    assert got == expected
    assert "<1" in got  # the check can fail


def test_skipping_validation_of_the_kk_is_caught_by_token_replay_too() -> None:
    sop = load_sop(REPO / "data/sop/kk-baru-2024.yaml")
    net = sop_to_net(sop)
    a1 = ["ajukan", "periksa", "entri", "validasi", "tte", "cetak", "serahkan"]
    a2 = ["ajukan", "periksa", "entri", "tte", "cetak", "serahkan"]  # validasi skipped
    assert _pm4py.token_replay_fitness(net, [a1, a2])[0] == 1.0
    assert _pm4py.token_replay_fitness(net, [a1, a2])[1] < 1.0


def test_an_unrecorded_step_is_a_silent_transition() -> None:
    sop = load_sop(REPO / "data/sop/kk-baru-2025.yaml")
    net = sop_to_net(sop)
    assert "cetak_mandiri" not in net.labels
    trace = ["ajukan", "periksa", "entri", "validasi", "tte", "kirim"]
    assert _pm4py.alignment_fitness(net, [trace]) == [1.0]


def test_the_shortest_run_of_every_model_costs_what_pm4py_says():
    """The cost of aligning an empty trace (visible transitions on the shortest run) from our
    own search equals pm4py's state-equation answer, for the SOP library and the real models."""
    from pm4py.algo.conformance.alignments.petri_net.variants import state_equation_a_star as sea

    from pipeline._pm4py import to_pm4py
    from pipeline.sop import load_model

    shared = REPO.parent / "shared" / "data"
    files = [*sorted((REPO / "data" / "sop").glob("*.yaml")),
             shared / "road_traffic_fines/models/RoadFines_NoData.pnml",
             shared / "sepsis/models/SepsisModel_fixed.pnml",
             shared / "running_example/running-example.bpmn",
             shared / "receipt/models/receipt.bpmn"]
    for file in files:
        net = load_model(file).net
        pn, im, fm = to_pm4py(net)
        with warnings.catch_warnings():  # pm4py's LP code warns about numpy matrices
            warnings.simplefilter("ignore")
            pm4py_cost = int(sea.get_best_worst_cost(pn, im, fm)) // 10000
        assert net.shortest_visible_run() == pm4py_cost, file
