"""``sopmine run``: ingest, check and write the contract files into a fresh folder; the same
inputs give the same bytes; PNML and BPMN models are checked on their flow, and per-case
fitness equals pm4py's own alignments on the same log and net."""

from __future__ import annotations

import hashlib
import json
import warnings

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline import _pm4py
from pipeline.cli import COMMANDS, cli
from pipeline.run import run
from pipeline.sop import load_model
from tests.conftest import MAPPINGS, REPO, SHARED_DATA

SAMPLE = REPO / "data" / "sample" / "loket-kk-2025-03.csv"
KK_MAPPING = REPO / "data" / "mappings" / "loket-kk.yaml"
SOP = REPO / "data" / "sop"
ROAD = SHARED_DATA / "road_traffic_fines"
RUNNING = SHARED_DATA / "running_example"


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_run_on_the_kk_sample_finds_the_planted_deviations(settings, tmp_path):
    result = run([SAMPLE], [SOP], tmp_path / "out", settings, mapping=KK_MAPPING)
    assert (tmp_path / "out" / "warehouse.duckdb").exists()
    cases = read(result.cases_csv).set_index("case_id")
    deviations = read(result.deviations_csv)
    for column in ("layanan", "sop", "status", "mulai", "selesai", "fitness",
                   "jumlah_penyimpangan", "waktu_penyelesaian_hari_kerja", "batas_hari_kerja",
                   "tepat_waktu"):
        assert column in cases.columns
    assert list(deviations.columns[:6]) == ["case_id", "urutan", "jenis", "langkah",
                                            "aktivitas", "waktu"]
    flow = deviations[deviations["jenis"].isin(["skipped_step", "extra_step", "wrong_order",
                                                "rework_over_limit"])]
    assert sorted(zip(flow["case_id"], flow["jenis"], flow["langkah"], flow["aktivitas"],
                      strict=True)) == [
        ("KK/2025/03/0003", "extra_step", "", "CETAK_ULANG"),
        ("KK/2025/03/0004", "skipped_step", "validasi", ""),
    ]
    assert cases.loc["KK/2025/03/0006", "fitness"] == "1.0"  # reworked once: allowed
    assert cases.loc["KK/2025/03/0012", "status"] == "berjalan"
    assert cases.loc["KK/2025/03/0001", "mulai"] == "2025-03-10T08:38:00+07:00"
    counts = deviations.groupby("case_id").size()
    assert all(cases.loc[c, "jumlah_penyimpangan"] == str(n) for c, n in counts.items())
    manifest = json.loads(result.manifest.read_text())
    assert manifest["inputs"]["logs"][0]["rows_quarantined"] == 1
    # the log's hash is the one taken when it was read (lineage): that of its bytes
    assert manifest["inputs"]["logs"][0]["sha256"] == hashlib.sha256(
        SAMPLE.read_bytes()).hexdigest()
    assert {s["nomor_sop"] for s in manifest["sop"]} >= {"470/012/DUKCAPIL/2024"}
    assert manifest["parameters"]["as_of"] == "2025-03-12T02:50:00+00:00"
    assert manifest["calendar"][0]["holidays_version"]
    assert set(manifest["software"]) >= {"sopmine", "pm4py", "duckdb", "pandas"}


def test_the_same_inputs_give_byte_identical_results(settings, tmp_path):
    first = run([SAMPLE], [SOP], tmp_path / "a", settings, mapping=KK_MAPPING, reports=False)
    second = run([SAMPLE], [SOP], tmp_path / "b", settings, mapping=KK_MAPPING, reports=False)
    for a, b in ((first.cases_csv, second.cases_csv),
                 (first.deviations_csv, second.deviations_csv),
                 (first.manifest, second.manifest)):
        assert a.read_bytes() == b.read_bytes()
    again = run([SAMPLE], [SOP], tmp_path / "a", settings, mapping=KK_MAPPING,
                reports=False)  # into a fresh warehouse again
    assert again.check.run_id == 1


def _pm4py_fitness(log_path, pnml):
    import pm4py

    pn, im, fm = _pm4py.to_pm4py(load_model(pnml).net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.read_xes(str(log_path))
        found = pm4py.conformance_diagnostics_alignments(log, pn, im, fm, return_diagnostics_dataframe=True)
    return dict(zip(found["case_id"].astype(str), found["fitness"], strict=True))


def test_road_fines_sample_fitness_per_case_equals_pm4py(settings, tmp_path):
    log = ROAD / "pm4py_subsets" / "roadtraffic100traces.xes"
    pnml = ROAD / "models" / "RoadFines_NoData.pnml"
    result = run([log], [pnml], tmp_path / "out", settings, mapping=MAPPINGS / "xes.yaml",
                 reports=False)
    ours = read(result.cases_csv).set_index("case_id")["fitness"].astype(float)
    theirs = _pm4py_fitness(log, pnml)
    assert len(ours) == len(theirs) == 100
    assert (ours < 1).any()  # the sample has deviating cases
    assert {c: round(f, 6) for c, f in ours.items()} == {c: round(f, 6) for c, f in theirs.items()}
    deviating = read(result.deviations_csv)
    assert set(deviating["case_id"]) == {c for c, f in ours.items() if f < 1}


@pytest.mark.parametrize("model", ["running-example.pnml", "running-example.bpmn"])
def test_pnml_and_bpmn_models_check_the_flow_only(settings, tmp_path, model):
    result = run([RUNNING / "running-example.xes"], [RUNNING / model], tmp_path / "out",
                 settings, mapping=MAPPINGS / "xes.yaml", reports=False)
    cases = read(result.cases_csv)
    assert len(cases) == 6 and set(cases["fitness"]) == {"1.0"}
    assert set(cases["status"]) == {"selesai"}
    assert read(result.deviations_csv).empty  # no roles, times or promise: nothing else


def test_sopmine_run_from_the_command_line(settings, tmp_path, monkeypatch):
    monkeypatch.setitem(COMMANDS, "run", "pipeline.conform_cli:run")
    monkeypatch.setenv("SOPMINE_PSEUDONYM_KEY_FILE", settings.pseudonym_key_file)
    out = tmp_path / "hasil"
    answer = CliRunner().invoke(cli, ["run", str(SAMPLE), "--sop", str(SOP / "kk-baru-2024.yaml"),
                                      "--sop", str(SOP / "kk-baru-2025.yaml"),
                                      "--mapping", str(KK_MAPPING), "--out", str(out),
                                      "--no-reports"])
    assert answer.exit_code == 0, answer.output
    assert "12 cases checked" in answer.output and "skipped_step: 1" in answer.output
    assert {p.name for p in out.iterdir()} >= {"cases.csv", "deviations.csv", "manifest.json",
                                               "warehouse.duckdb"}


@pytest.mark.slow
def test_road_fines_full_log_through_sopmine_run_gives_the_published_figure(settings, tmp_path):
    log = ROAD / "Road_Traffic_Fine_Management_Process.xes.gz"
    result = run([log], [ROAD / "models" / "RoadFines_NoData.pnml"], tmp_path / "out", settings,
                 mapping=MAPPINGS / "xes.yaml", reports=False)
    fitness = read(result.cases_csv)["fitness"].astype(float)
    assert len(fitness) == 150_370
    assert round(fitness.mean(), 6) == 0.996523
    assert round((fitness == 1).mean() * 100, 2) == 97.61
