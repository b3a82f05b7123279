"""Exports of the generator, shaped like the real systems: counter CSV, SIMBG Excel, SIASN
snapshots. They are byte-identical for a seed and load through their mappings without quarantine."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.ingest import ingest_files, load_mapping
from pipeline.sop import SopLibrary
from pipeline.synth import generate, write_exports
from pipeline.synth.exports import LABELS, write_staff_tables
from tests.conftest import REPO

LIBRARY = SopLibrary.load(REPO / "data" / "sop")
MAPPINGS = REPO / "data" / "mappings"
SOURCES = {
    "loket-kk-baru.csv": "siak-kk-baru.yaml",
    "loket-akta-kelahiran.csv": "siak-akta-kelahiran.yaml",
    "loket-ktp-el.csv": "siak-ktp-el.yaml",
    "simbg-pbg.xlsx": "simbg-pbg.yaml",
}


def _year(seed: int = 2025):
    return generate(LIBRARY, seed=seed, cases=600, start=dt.date(2025, 1, 1),
                    end=dt.date(2025, 12, 31))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    result = _year()
    out = tmp_path_factory.mktemp("demo")
    return result, out, write_exports(result, out)


def test_exports_are_byte_identical_for_a_seed(exported, tmp_path):
    _, out, paths = exported
    again = write_exports(_year(), tmp_path)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    for a, b in zip(paths, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_counter_csv_looks_like_the_counter_application(exported):
    _, out, _ = exported
    lines = (out / "loket-kk-baru.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("NO_PERMOHONAN;TAHAPAN;WAKTU_PROSES;NIP_PETUGAS;LOKET;KECAMATAN;"
                        "NIK_PEMOHON;NAMA_PEMOHON")
    first = lines[1].split(";")
    assert re.fullmatch(r"KK/2025/\d{2}/\d{4}", first[0]) and first[1] == "PENGAJUAN"
    assert re.fullmatch(r"\d{2}/\d{2}/2025 \d{2}:\d{2}", first[2])
    assert re.fullmatch(r"1708\d{12}", first[6])


def test_every_label_written_is_in_its_mapping():
    for file, name in SOURCES.items():
        layanan = file.removeprefix("loket-").removeprefix("simbg-").split(".")[0]
        mapping = load_mapping(MAPPINGS / name)
        assert mapping.activities == {v: k for k, v in LABELS[layanan].items()}
    siasn = load_mapping(MAPPINGS / "siasn-kenaikan-pangkat.yaml")
    assert siasn.activities == {v: k for k, v in LABELS["kenaikan-pangkat-reguler"].items()}


def test_committed_staff_tables_are_the_generators_roster(tmp_path):
    for path in write_staff_tables(tmp_path):
        assert path.read_bytes() == (MAPPINGS / path.name).read_bytes(), path.name


def test_exports_load_with_their_mappings_without_quarantine(exported, warehouse, settings):
    result, out, _ = exported
    for file, mapping in SOURCES.items():
        (load,) = ingest_files(warehouse, [out / file], MAPPINGS / mapping, settings)
        assert load.rows_quarantined == 0 and load.rows_loaded == load.rows_read > 0, file
    stored = pd.DataFrame(warehouse.rows(
        "SELECT case_id, activity, timestamp, resource, role, layanan, unit FROM events "
        "ORDER BY case_id, timestamp, load_id, source_row"),
        columns=["case_id", "activity", "timestamp", "resource", "role", "layanan", "unit"])
    stored["timestamp"] = pd.to_datetime(stored["timestamp"], utc=True).dt.tz_convert("Asia/Jakarta")
    expected = result.events[result.events["layanan"].ne("kenaikan-pangkat-reguler")]
    expected = expected.reset_index(drop=True).copy()
    # the applicant, the bank and other outsiders have no NIP, so no role after ingest
    expected.loc[expected["resource"].isna(), "role"] = None
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    nik = warehouse.scalar("SELECT count(*) FROM events WHERE attributes LIKE '%1708%'")
    assert nik == 0  # NIK and names were pseudonymised


def test_siasn_snapshots_become_status_events(exported, warehouse, settings):
    _, out, _ = exported
    snaps = sorted((out / "siasn").glob("usulan_*.csv"))[:6]
    assert snaps and all(re.fullmatch(r"usulan_\d{4}-\d{2}-\d{2}\.csv", p.name) for p in snaps)
    loads = ingest_files(warehouse, snaps, MAPPINGS / "siasn-kenaikan-pangkat.yaml", settings)
    assert sum(x.rows_quarantined for x in loads) == 0
    stored = warehouse.rows("SELECT DISTINCT activity FROM events")
    steps = set(LABELS["kenaikan-pangkat-reguler"]) | {"KOREKSI_DATA"}
    assert {a for (a,) in stored} <= steps
    assert warehouse.scalar("SELECT count(DISTINCT case_id) FROM events") > 0


def test_truth_file_is_the_truth_frame(exported):
    result, out, _ = exported
    written = pd.read_csv(out / "ground_truth.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(written, result.truth, check_dtype=False)


def test_synth_command_writes_the_exports(tmp_path):
    from pipeline.synth_cli import synth

    out = tmp_path / "demo"
    run = CliRunner().invoke(synth, ["--seed", "7", "--cases", "200", "--out", str(out),
                                     "--sop", str(REPO / "data" / "sop"),
                                     "--rate", "sla_breach=0.1"])
    assert run.exit_code == 0, run.output
    assert "200 cases" in run.output
    assert (out / "ground_truth.csv").exists() and (out / "loket-ktp-el.csv").exists()
    bad = CliRunner().invoke(synth, ["--cases", "5", "--out", str(out), "--rate", "nope=0.1",
                                     "--sop", str(REPO / "data" / "sop")])
    assert bad.exit_code != 0 and "unknown deviation code" in bad.output
