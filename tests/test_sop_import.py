"""Declared models drawn elsewhere: the real BPMN and PNML files of shared/data are read into
sound workflow nets, including what pm4py's own PNML reader misses."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from pipeline import _pm4py
from pipeline.errors import SopError
from pipeline.sop import check_soundness, load_model

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
MODELS = sorted(DATA.glob("**/*.bpmn")) + sorted(DATA.glob("**/*.pnml"))
ROAD = DATA / "road_traffic_fines"


def test_the_real_models_are_there() -> None:
    assert len(MODELS) == 10


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_real_model_is_a_sound_workflow_net(path: Path) -> None:
    model = load_model(path)
    verdict = check_soundness(model.net)
    assert verdict.sound, verdict.problems
    assert model.activities


def test_road_fines_silent_transitions_and_final_marking_are_read() -> None:
    net = load_model(ROAD / "models/RoadFines_NoData.pnml").net
    silent = sorted(t.id for t in net.transitions if t.label is None)
    assert len(silent) == 6
    assert not any(label.startswith("Inv") for label in net.labels)
    assert dict(net.final) == {"n4": 1}  # the place named End


def test_sepsis_net_ends_in_its_sink_place() -> None:
    net = load_model(DATA / "sepsis/models/SepsisModel_fixed.pnml").net
    (sink,) = [p for p in net.places if not net.postset(p)]
    assert dict(net.final) == {sink: 1}


def test_running_example_traces_fit_the_bpmn_and_the_pnml() -> None:
    fits = ["register request", "examine casually", "check ticket", "decide", "reinitiate request",
            "check ticket", "examine thoroughly", "decide", "pay compensation"]
    skipped = ["register request", "check ticket", "decide", "reject request"]
    for name in ("running-example.bpmn", "running-example.pnml"):
        net = load_model(DATA / "running_example" / name).net
        fitness = _pm4py.alignment_fitness(net, [fits, skipped])
        assert fitness[0] == 1.0 and fitness[1] < 1.0, name


def test_inclusive_gateway_gets_a_clear_message(tmp_path: Path) -> None:
    text = (DATA / "running_example/running-example.bpmn").read_text(encoding="utf-8")
    bad = tmp_path / "or.bpmn"
    bad.write_text(text.replace("bpmn:exclusiveGateway", "bpmn:inclusiveGateway", 2))
    with pytest.raises(SopError, match=r"or.bpmn, line \d+: the model uses an inclusive \(OR\) "
                       r"gateway .* which the checker cannot use. Redraw it with exclusive"):
        load_model(bad)


def test_lanes_become_roles_and_side_file_gives_times(tmp_path: Path) -> None:
    ns = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    (tmp_path / "kk.bpmn").write_text(f"""<?xml version="1.0"?>
<bpmn:definitions {ns}><bpmn:process id="p">
<bpmn:laneSet><bpmn:lane id="l1" name="Petugas Front Office"><bpmn:flowNodeRef>a</bpmn:flowNodeRef>
</bpmn:lane><bpmn:lane id="l2" name="Kepala Dinas"><bpmn:flowNodeRef>b</bpmn:flowNodeRef>
</bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="s"/><bpmn:task id="a" name="entri"/><bpmn:task id="b" name="tte"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
<bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
<bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e"/>
</bpmn:process></bpmn:definitions>""")
    (tmp_path / "kk.mutu.yaml").write_text(
        "layanan: kk-baru\ntanggal_efektif: 2024-02-01\njangka_waktu: 3 hari kerja\n"
        "waktu: {entri: 15 menit, tte: 1 hari kerja}\n")
    model = load_model(tmp_path / "kk.bpmn")
    assert dict(model.roles) == {"entri": "Petugas Front Office", "tte": "Kepala Dinas"}
    assert model.waktu["entri"].text == "15 menit" and model.layanan == "kk-baru"
    (tmp_path / "kk.mutu.yaml").write_text("waktu: {entry: 15 menit}\n")
    with pytest.raises(SopError, match=r"kk.mutu.yaml, line 1: 'entry' is not an activity of "
                       r"the model. Did you mean 'entri'\?"):
        load_model(tmp_path / "kk.bpmn")


def _variants(xes_gz: Path) -> Counter[tuple[str, ...]]:
    """Activity sequences of an XES log and how many cases follow each (lxml, no pm4py)."""
    variants: Counter[tuple[str, ...]] = Counter()
    trace: list[str] = []
    with gzip.open(xes_gz) as stream:
        for event, el in etree.iterparse(stream, events=("start", "end")):
            tag = etree.QName(el).localname
            if event == "start":
                if tag == "trace":
                    trace = []
                continue
            if tag == "string" and el.get("key") == "concept:name" and \
                    etree.QName(el.getparent()).localname == "event":
                trace.append(el.get("value"))
            elif tag == "trace":
                variants[tuple(trace)] += 1
                el.clear()
            elif tag == "event":
                el.clear()
    return variants


@pytest.mark.slow
def test_road_fines_full_log_fitness_matches_the_published_figure() -> None:
    variants = _variants(ROAD / "Road_Traffic_Fine_Management_Process.xes.gz")
    assert sum(variants.values()) == 150_370
    net = load_model(ROAD / "models/RoadFines_NoData.pnml").net
    traces = sorted(variants)
    fitness = _pm4py.alignment_fitness(net, traces)
    weights = [variants[t] for t in traces]
    average = sum(f * w for f, w in zip(fitness, weights, strict=True)) / sum(weights)
    fitting = sum(w for f, w in zip(fitness, weights, strict=True) if f == 1.0) / sum(weights)
    assert round(average, 6) == 0.996523
    assert round(fitting * 100, 2) == 97.61
