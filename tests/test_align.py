"""Our alignment search against pm4py's A* with the same costs: on every variant of a generated
Kepahiang year (every SOP, every injected deviation) and of the Road Traffic Fines sample, as
complete cases and as open prefixes, both give the same deviations, fitness and moves."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pipeline import _pm4py, align
from pipeline.conform import ModelView
from pipeline.ingest.readers import ReadReport
from pipeline.ingest.xes import read_xes
from pipeline.sop import SopLibrary, load_model
from tests.conftest import REPO, SHARED_DATA

SOP = REPO / "data" / "sop"
ROAD = SHARED_DATA / "road_traffic_fines"


def _same_as_pm4py(view: ModelView, items: list[tuple[tuple[str, ...], bool]]) -> None:
    traces, prefix = [t for t, _ in items], [p for _, p in items]
    ours = align.align_traces(view.net, traces, prefix, costly=view.costly, targets=view.targets)
    theirs = _pm4py.align_traces(view.net, traces, prefix, costly=view.costly,
                                 targets=view.targets)
    different = [(t, p) for (t, p), a, b in zip(items, ours, theirs, strict=True) if a != b]
    assert different == []


def _with_prefixes(traces: list[tuple[str, ...]], first: int) -> list[tuple[tuple[str, ...], bool]]:
    items = [(t, False) for t in traces]
    items += [(t[:k], True) for t in traces[:first] for k in range(1, len(t) + 1)]
    return list(dict.fromkeys(items))


def test_every_variant_of_a_generated_year_aligns_as_pm4py_aligns_it():
    from pipeline.synth import generate

    library = SopLibrary.load(SOP)
    made = generate(library, seed=5, cases=3000, start=dt.date(2024, 3, 1),
                    end=dt.date(2025, 10, 31))
    events = made.events.sort_values(["case_id", "timestamp"], kind="mergesort")
    traces = events.groupby("case_id", sort=False).agg(
        layanan=("layanan", "first"), trace=("activity", tuple))
    checked = 0
    for layanan in library.layanan:
        variants = sorted(set(traces.loc[traces["layanan"] == layanan, "trace"]))
        assert variants, layanan
        for model in library.versions(layanan):
            view = ModelView.of(model)
            items = _with_prefixes(variants, first=40)
            _same_as_pm4py(view, items)
            checked += len(items)
    assert checked > 600


def test_road_fines_sample_variants_align_as_pm4py_aligns_them():
    batches = list(read_xes(ROAD / "pm4py_subsets" / "roadtraffic100traces.xes", ReadReport()))
    rows = [r for b in batches for r in b.to_pylist()]
    by_case: dict[str, list[str]] = {}
    for r in rows:
        by_case.setdefault(r["case:concept:name"], []).append(r["concept:name"])
    variants = sorted({tuple(v) for v in by_case.values()})
    view = ModelView.of(load_model(ROAD / "models" / "RoadFines_NoData.pnml"))
    _same_as_pm4py(view, _with_prefixes(variants, first=len(variants)))


def test_the_alignment_does_not_depend_on_the_order_of_the_nets_objects():
    view = ModelView.of(SopLibrary.load(SOP / "kk-baru-2024.yaml").versions("kk-baru")[0])
    net = view.net
    shuffled = dataclasses.replace(net, places=tuple(reversed(net.places)),
                                   transitions=tuple(reversed(net.transitions)),
                                   arcs=tuple(reversed(net.arcs)))
    traces = [tuple(t.split()) for t in (
        "ajukan periksa validasi entri tte cetak serahkan",
        "ajukan periksa entri validasi validasi tte cetak serahkan",
        "ajukan periksa entri validasi entri tte cetak serahkan",
        "ajukan entri periksa tte validasi serahkan cetak",
    )]
    prefix = [False] * len(traces)
    one = align.align_traces(net, traces, prefix, costly=view.costly)
    assert one == align.align_traces(shuffled, traces, prefix, costly=view.costly)
    assert align.align_traces(net, traces * 2, prefix * 2, costly=view.costly,
                              workers=2) == one * 2


def test_prefix_alignment_of_an_open_case_costs_nothing_for_steps_not_reached():
    model = SopLibrary.load(SOP / "kk-baru-2024.yaml").versions("kk-baru")[0]
    trace = ("ajukan", "periksa", "entri")
    [as_prefix] = align.align_traces(model.net, [trace], [True])
    [complete] = align.align_traces(model.net, [trace], [False])
    assert (as_prefix.deviations, as_prefix.fitness) == (0, 1.0)
    assert complete.deviations == 4  # validasi, tte, cetak, serahkan missing
    assert complete.fitness == _pm4py.alignment_fitness(model.net, [trace])[0]


def test_a_trace_too_large_for_the_blind_search_goes_to_pm4py(monkeypatch):
    view = ModelView.of(SopLibrary.load(SOP / "kk-baru-2024.yaml").versions("kk-baru")[0])
    trace = tuple(["ajukan", "periksa", "entri", "validasi", "tte", "cetak", "serahkan", "serahkan"])
    expected = align.align_traces(view.net, [trace], [False], costly=view.costly)
    called = []
    real = _pm4py.align_traces

    def spy(*args, **kwargs):
        called.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(align, "MAX_STATES", 5)
    monkeypatch.setattr(_pm4py, "align_traces", spy)
    assert align.align_traces(view.net, [trace], [False], costly=view.costly) == expected
    assert called == [[trace]]


def test_a_net_that_cannot_finish_has_no_alignment():
    net = load_model(REPO / "data" / "sop" / "kk-baru-2024.yaml").net
    stuck = dataclasses.replace(net, final={"nowhere": 1})
    with pytest.raises(ValueError, match="final marking"):
        align.align_traces(stuck, [("ajukan",)], [False])
