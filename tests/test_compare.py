"""The comparison map: the SOP's directly-follows relation, one tiny log per edge class, and
the drawing's styles per class."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from lxml import etree

from pipeline.compare import END, START, classes_of, compare, net_flow, observed_edges, sop_flow
from pipeline.discover import dfg, start_end
from pipeline.report.maps import STYLE, dot_source, render_svg
from pipeline.sop import load_sop, parse_sop, sop_to_net
from tests.test_discover import load_traces

KK_BARU = Path(__file__).parent / "data/sop/kk-baru-contoh.yaml"


def test_the_sop_flow_has_berikut_cabang_and_return_edges():
    flow = sop_flow(load_sop(KK_BARU))
    assert flow.edges == {
        (START, "ajukan"), ("ajukan", "periksa"), ("periksa", "entri"), ("periksa", "ajukan"),
        ("entri", "validasi"), ("validasi", "tte"), ("validasi", "entri"), ("tte", "serahkan"),
        ("serahkan", END)}
    assert flow.returns == {("periksa", "ajukan"), ("validasi", "entri")}


def test_the_reachability_graph_of_the_sop_net_gives_the_same_flow():
    sop = load_sop(KK_BARU)
    assert net_flow(sop_to_net(sop)).edges == sop_flow(sop).edges


def test_steps_not_recorded_are_skipped_over():
    text = KK_BARU.read_text()
    # 'tte' leaves no event in SIAK: validasi is directly followed by serahkan in the log
    text = text.replace("    mutu_baku: {waktu: 1 hari kerja, output: KK ber-TTE}\n",
                        "    mutu_baku: {waktu: 1 hari kerja, output: KK ber-TTE}\n"
                        "    dicatat: false\n")
    sop = parse_sop(text, "kk-baru-tanpa-tte.yaml")
    flow = sop_flow(sop)
    assert ("validasi", "serahkan") in flow.edges
    assert not any("tte" in edge for edge in flow.edges)
    assert net_flow(sop_to_net(sop)).edges == flow.edges


def classes_for(warehouse, settings, tmp_path, traces):
    load_traces(warehouse, settings, tmp_path, traces)
    observed = observed_edges(dfg(warehouse), start_end(warehouse))
    return classes_of(compare(observed, sop_flow(load_sop(KK_BARU))))


def test_a_conforming_case_takes_sop_edges_and_leaves_the_rework_untaken(warehouse, settings,
                                                                        tmp_path):
    found = classes_for(warehouse, settings, tmp_path,
                        {"A1": "ajukan periksa entri validasi tte serahkan"})
    assert found[("entri", "validasi")] == "taken_in_sop"
    assert found[(START, "ajukan")] == "taken_in_sop"
    assert found[("serahkan", END)] == "taken_in_sop"
    assert found[("validasi", "entri")] == "untaken"  # nobody sent the draft back
    assert found[("periksa", "ajukan")] == "untaken"
    assert "deviating" not in found.values()


def test_skipping_validasi_is_a_deviating_edge(warehouse, settings, tmp_path):
    found = classes_for(warehouse, settings, tmp_path, {"A2": "ajukan periksa entri tte serahkan"})
    assert found[("entri", "tte")] == "deviating"
    assert found[("entri", "validasi")] == "untaken"
    assert found[("validasi", "tte")] == "untaken"


def test_rework_through_a_return_edge_is_in_the_sop(warehouse, settings, tmp_path):
    found = classes_for(warehouse, settings, tmp_path,
                        {"A3": "ajukan periksa entri validasi entri validasi tte serahkan"})
    assert found[("validasi", "entri")] == "taken_in_sop"


def test_ending_at_an_unknown_step_deviates_at_both_ends(warehouse, settings, tmp_path):
    found = classes_for(warehouse, settings, tmp_path, {"A4": "ajukan periksa tolak"})
    assert found[("periksa", "tolak")] == "deviating"
    assert found[("tolak", END)] == "deviating"
    assert found[("serahkan", END)] == "untaken"


def test_the_drawing_tells_the_classes_apart_by_colour_and_dash():
    edges = pd.DataFrame({
        "source": [START, "ajukan", "periksa", "periksa", "entri"],
        "target": ["ajukan", "periksa", "entri", "ajukan", "tte"],
        "count": [10, 10, 9, 0, 1],
        "median_working_s": [0.0, 600.0, 900.0, float("nan"), 7200.0],
        "class": ["taken_in_sop", "taken_in_sop", "taken_in_sop", "untaken", "deviating"],
        "is_return": [False, False, False, True, False],
    })
    svg = etree.fromstring(render_svg(dot_source(edges, "kk-baru")).encode())
    paths = {}
    for g in svg.iterfind(".//{*}g[@class='edge']"):
        path = g.find("{*}path")
        paths[g.findtext("{*}title")] = (path.get("stroke"), path.get("stroke-dasharray"),
                                         float(path.get("stroke-width", "1")),
                                         " ".join(t.text or "" for t in g.iterfind(".//{*}text")))
    # node ids are n0.. in sorted order: ajukan n0, entri n1, periksa n2, tte n3
    assert paths["n1->n3"][:2] == (STYLE["deviating"][0], "5,2")
    assert paths["n2->n0"][:2] == (STYLE["untaken"][0], "1,5")
    assert paths["n2->n1"][:2] == (STYLE["taken_in_sop"][0], None)
    assert paths["n0->n2"][2] > paths["n1->n3"][2]  # thicker when more frequent
    assert "med 15 mnt" in paths["n2->n1"][3]
    assert "2,0 jam" in paths["n1->n3"][3]
