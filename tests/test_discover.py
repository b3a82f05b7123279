"""Discovery on tiny logs in the domain's words, and on the real logs with pm4py as the oracle:
directly-follows counts, variants, start and end activities, working time per edge, filters,
bottlenecks, mined models and the ``sopmine discover`` files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pm4py
import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline import _pm4py
from pipeline.calendar import calendar_from_settings
from pipeline.discover import (
    Filter,
    bottlenecks,
    dfg,
    discover_model,
    events_frame,
    parse_period,
    performance_dfg,
    start_end,
    variants,
)
from pipeline.errors import InputError
from pipeline.ingest import ingest_files
from tests.conftest import MAPPINGS, SHARED_DATA

MONDAY = dt.datetime(2025, 3, 3, 8, 0)  # a working Monday in Kepahiang (WIB)


def load_traces(wh, settings, tmp_path: Path, traces: dict[str, str], *,
                gap: dt.timedelta = dt.timedelta(minutes=10), layanan: str = "kk-baru",
                unit: str = "kecamatan-a", start: dt.datetime = MONDAY) -> None:
    """Load ``{"A1": "ajukan periksa entri"}``: one event per word, ``gap`` apart (WIB)."""
    rows = []
    for case, words in traces.items():
        for k, word in enumerate(words.split()):
            at = start + k * gap
            rows.append({"id": case, "kegiatan": word, "waktu": at.isoformat() + "+07:00",
                         "layanan": layanan, "unit": unit})
    load_rows(wh, settings, tmp_path, rows)


def load_rows(wh, settings, tmp_path: Path, rows: list[dict]) -> None:
    n = len(list(tmp_path.glob("log*.csv")))
    log = tmp_path / f"log{n}.csv"
    pd.DataFrame(rows).to_csv(log, index=False)
    columns = {"case_id": "id", "activity": "kegiatan", "timestamp": "waktu",
               "layanan": "layanan", "unit": "unit"}
    if "mulai" in rows[0]:
        columns["start_timestamp"] = "mulai"
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("name: uji\ncolumns: {"
                       + ", ".join(f"{k}: {v}" for k, v in columns.items()) + "}\n")
    [result] = ingest_files(wh, [log], mapping, settings)
    assert result.rows_quarantined == 0


def edges_of(table: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {(a, b): int(n) for a, b, n in zip(table["source"], table["target"], table["count"],
                                              strict=True)}


# --- tiny logs ------------------------------------------------------------------------------


def test_dfg_variants_and_start_end_of_a_tiny_log(warehouse, settings, tmp_path):
    load_traces(warehouse, settings, tmp_path, {
        "A1": "ajukan periksa entri validasi tte serahkan",
        "A2": "ajukan periksa entri validasi tte serahkan",
        "A3": "ajukan periksa ajukan periksa entri validasi entri validasi tte serahkan",
    })
    edges = edges_of(dfg(warehouse))
    assert edges[("ajukan", "periksa")] == 4  # A3 handed the file back once
    assert edges[("periksa", "ajukan")] == 1
    assert edges[("validasi", "entri")] == 1
    assert edges[("tte", "serahkan")] == 3
    table = dfg(warehouse).set_index(["source", "target"])
    assert table.loc[("ajukan", "periksa"), "cases"] == 3  # four times, in three cases
    found = variants(warehouse)
    assert found["cases"].tolist() == [2, 1]
    assert found["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert found["cumulative"].tolist() == pytest.approx([2 / 3, 1.0])
    assert found["text"][0] == "ajukan → periksa → entri → validasi → tte → serahkan"
    ends = start_end(warehouse).set_index("activity")
    assert ends.loc["ajukan", "start"] == 3
    assert ends.loc["serahkan", "end"] == 3
    assert "periksa" not in ends.index  # neither starts nor ends a case


def test_a_new_load_is_seen_by_the_next_discovery_on_the_same_connection(warehouse, settings,
                                                                        tmp_path):
    # variants, DFG and start/end share one table of traces per filter; a notebook that loads
    # another month and asks again must get the new answer, not the table made before it
    load_traces(warehouse, settings, tmp_path, {"A1": "ajukan periksa serahkan"})
    assert variants(warehouse)["cases"].tolist() == [1]
    assert edges_of(dfg(warehouse)) == {("ajukan", "periksa"): 1, ("periksa", "serahkan"): 1}
    shared = warehouse.scalar("SELECT count(*) FROM duckdb_tables() "
                              "WHERE table_name LIKE '_discover_variants_%'")
    assert shared == 1  # both measures read one table
    load_traces(warehouse, settings, tmp_path, {"A2": "ajukan serahkan", "A3": "ajukan serahkan"})
    assert variants(warehouse)["cases"].tolist() == [2, 1]
    assert edges_of(dfg(warehouse))[("ajukan", "serahkan")] == 2
    assert start_end(warehouse).set_index("activity").loc["ajukan", "start"] == 3
    assert variants(warehouse, Filter(coverage=0.5))["cases"].tolist() == [2]


def test_equal_timestamps_keep_the_file_order_in_sopmine_and_in_pm4py(warehouse, settings,
                                                                       tmp_path):
    # B1 records entri before periksa in the same minute; B2 the other way round
    rows = [
        {"id": "B1", "kegiatan": "ajukan", "waktu": "2025-03-03T08:00:00+07:00"},
        {"id": "B1", "kegiatan": "entri", "waktu": "2025-03-03T08:05:00+07:00"},
        {"id": "B1", "kegiatan": "periksa", "waktu": "2025-03-03T08:05:00+07:00"},
        {"id": "B2", "kegiatan": "ajukan", "waktu": "2025-03-03T08:00:00+07:00"},
        {"id": "B2", "kegiatan": "periksa", "waktu": "2025-03-03T08:05:00+07:00"},
        {"id": "B2", "kegiatan": "entri", "waktu": "2025-03-03T08:05:00+07:00"},
        {"id": "B2", "kegiatan": "serahkan", "waktu": "2025-03-03T08:05:00+07:00"},
    ]
    rows = [{**r, "layanan": "kk-baru", "unit": "u"} for r in rows]
    load_rows(warehouse, settings, tmp_path, rows)
    ours = edges_of(dfg(warehouse))
    assert ours == {("ajukan", "entri"): 1, ("entri", "periksa"): 1, ("ajukan", "periksa"): 1,
                    ("periksa", "entri"): 1, ("entri", "serahkan"): 1}
    # pm4py reads the same rows in file order, independently of the warehouse
    raw = pd.DataFrame(rows).rename(columns={"id": "case_id", "kegiatan": "activity",
                                             "waktu": "timestamp"})
    raw["timestamp"] = pd.to_datetime(raw["timestamp"], utc=True)
    oracle_dfg, oracle_start, oracle_end = _pm4py.dfg_counts(raw)
    assert ours == oracle_dfg
    assert dict(start_end(warehouse).query("start > 0")[["activity", "start"]].values) \
        == oracle_start
    assert dict(start_end(warehouse).query("end > 0")[["activity", "end"]].values) == oracle_end
    assert {tuple(v): n for v, n in zip(variants(warehouse)["activities"],
                                        variants(warehouse)["cases"], strict=True)} \
        == _pm4py.variant_counts(raw)


def test_working_time_per_edge_counts_only_office_hours(warehouse, settings, tmp_path):
    # periksa -> entri takes 1, 2 and 3 working hours; C3's entri waits over the weekend:
    # Fri 15:00 -> Mon 09:00 is 1.5 h on Friday (to 16:30) and 1.5 h on Monday (from 07:30)
    rows = []
    for case, begin, end in [("C1", "2025-03-03T08:00", "2025-03-03T09:00"),
                             ("C2", "2025-03-04T08:00", "2025-03-04T10:00"),
                             ("C3", "2025-03-07T15:00", "2025-03-10T09:00")]:
        rows += [{"id": case, "kegiatan": "periksa", "waktu": begin + "+07:00"},
                 {"id": case, "kegiatan": "entri", "waktu": end + "+07:00"}]
    load_rows(warehouse, settings, tmp_path,
              [{**r, "layanan": "kk-baru", "unit": "u"} for r in rows])
    perf = performance_dfg(warehouse, calendar_from_settings(settings)).iloc[0]
    assert (perf["source"], perf["target"], perf["count"]) == ("periksa", "entri", 3)
    assert perf["median_working_s"] == pytest.approx(2 * 3600)
    assert perf["p90_working_s"] == pytest.approx(2 * 3600 + 0.8 * 3600)
    assert perf["total_working_s"] == pytest.approx(6 * 3600)
    assert perf["median_calendar_s"] == pytest.approx(2 * 3600)


def test_filters_by_service_unit_and_period_of_the_first_event(warehouse, settings, tmp_path):
    load_traces(warehouse, settings, tmp_path, {"K1": "ajukan periksa serahkan"},
                layanan="kk-baru", unit="kepahiang")
    load_traces(warehouse, settings, tmp_path, {"K2": "ajukan periksa tolak"},
                layanan="kk-baru", unit="ujan-mas")
    load_traces(warehouse, settings, tmp_path, {"P1": "ajukan verifikasi terbit"},
                layanan="pindah", unit="kepahiang", start=dt.datetime(2025, 4, 7, 8, 0))
    assert set(variants(warehouse, Filter(layanan="kk-baru"))["text"]) == {
        "ajukan → periksa → serahkan", "ajukan → periksa → tolak"}
    assert set(variants(warehouse, Filter(unit="kepahiang"))["text"]) == {
        "ajukan → periksa → serahkan", "ajukan → verifikasi → terbit"}
    april = Filter(period=parse_period("2025-04"))
    assert variants(warehouse, april)["text"].tolist() == ["ajukan → verifikasi → terbit"]
    # 2025-03-03 08:00 WIB is 01:00 UTC: still March 3 in Kepahiang, so the day counts
    assert len(variants(warehouse, Filter(period=parse_period("2025-03-03..2025-03-03")))) == 2
    assert dfg(warehouse, Filter(layanan="kk-baru", unit="ujan-mas"))["target"].tolist() == [
        "periksa", "tolak"]


def test_coverage_keeps_the_most_frequent_variants_until_the_share_is_reached(
        warehouse, settings, tmp_path):
    load_traces(warehouse, settings, tmp_path, {
        "A1": "ajukan periksa serahkan", "A2": "ajukan periksa serahkan",
        "A3": "ajukan periksa serahkan", "A4": "ajukan periksa tolak",
        "A5": "ajukan periksa tolak", "A6": "ajukan serahkan",
    })
    assert variants(warehouse, Filter(coverage=0.5))["cases"].tolist() == [3]
    assert variants(warehouse, Filter(coverage=0.51))["cases"].tolist() == [3, 2]
    assert variants(warehouse, Filter(coverage=1.0))["cases"].tolist() == [3, 2, 1]
    assert ("ajukan", "serahkan") not in edges_of(dfg(warehouse, Filter(coverage=0.8)))
    with pytest.raises(InputError, match="share of cases"):
        Filter(coverage=0)


def test_bottlenecks_split_waiting_from_working_when_the_log_has_start_times(
        warehouse, settings, tmp_path):
    # D1: entri waits 1 h after periksa, then takes 3 h; tte waits 2 h and takes 0 h
    rows = [
        {"id": "D1", "kegiatan": "periksa", "mulai": "", "waktu": "2025-03-03T08:00+07:00"},
        {"id": "D1", "kegiatan": "entri", "mulai": "2025-03-03T09:00+07:00",
         "waktu": "2025-03-03T11:00+07:00"},  # 09:00-11:00, then ...
        {"id": "D1", "kegiatan": "tte", "mulai": "2025-03-03T14:00+07:00",
         "waktu": "2025-03-03T14:00+07:00"},
    ]
    load_rows(warehouse, settings, tmp_path,
              [{**r, "layanan": "kk-baru", "unit": "u"} for r in rows])
    table = bottlenecks(warehouse, calendar_from_settings(settings))
    steps = table[table["kind"] == "step"].set_index("target")
    handovers = table[table["kind"] == "handover"].set_index(["source", "target"])
    assert steps.loc["entri", "total_working_s"] == pytest.approx(2 * 3600)
    assert steps.loc["tte", "total_working_s"] == 0
    assert steps.loc["entri", "share"] == 1.0
    assert handovers.loc[("periksa", "entri"), "total_working_s"] == pytest.approx(3600)
    # 11:00 -> 14:00 with the 12:00-13:00 break is 2 working hours
    assert handovers.loc[("entri", "tte"), "total_working_s"] == pytest.approx(2 * 3600)
    assert handovers["share"].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_bottlenecks_are_ranked_per_service_and_unit(warehouse, settings, tmp_path):
    load_traces(warehouse, settings, tmp_path, {"E1": "ajukan periksa serahkan"},
                unit="kepahiang", gap=dt.timedelta(hours=1))
    load_traces(warehouse, settings, tmp_path, {"E2": "ajukan periksa serahkan"},
                unit="ujan-mas", gap=dt.timedelta(minutes=30))
    table = bottlenecks(warehouse, calendar_from_settings(settings), top=1)
    assert table.groupby(["unit", "kind"]).size().tolist() == [1, 1, 1, 1]
    shares = table.groupby(["layanan", "unit", "kind"])["share"].sum()
    assert (shares <= 1).all()


# --- pm4py as the oracle on the real logs ---------------------------------------------------

REAL = [
    ("running_example/running-example.xes", "xes.yaml"),
    ("receipt/receipt.xes.gz", "xes.yaml"),
    ("sepsis/sepsis.csv", "sepsis.yaml"),
    ("helpdesk/helpdesk.csv", "helpdesk-csv.yaml"),
]


def pm4py_reads(log: str) -> pd.DataFrame:
    """The log read without sopmine, in file order: pm4py for XES, pandas for CSV."""
    path = SHARED_DATA / log
    if log.endswith((".xes", ".xes.gz")):
        frame = pm4py.read_xes(str(path), return_legacy_log_object=False)
        return frame.rename(columns={"case:concept:name": "case_id", "concept:name": "activity",
                                     "time:timestamp": "timestamp"})
    if log.startswith("sepsis"):
        frame = pd.read_csv(path, sep=";", keep_default_na=False, dtype=str)
    else:
        frame = pd.read_csv(path, dtype=str).rename(columns={
            "CaseID": "case_id", "ActivityID": "activity", "CompleteTimestamp": "timestamp"})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="mixed", utc=True)
    return frame


@pytest.mark.parametrize(("log", "mapping"), REAL, ids=[r[0] for r in REAL])
def test_counts_equal_pm4py_on_the_real_logs(warehouse, settings, log, mapping):
    ingest_files(warehouse, [SHARED_DATA / log], MAPPINGS / mapping, settings)
    raw = pm4py_reads(log)
    oracle_dfg, oracle_start, oracle_end = _pm4py.dfg_counts(raw)
    assert edges_of(dfg(warehouse)) == oracle_dfg
    ends = start_end(warehouse)
    assert dict(ends.query("start > 0")[["activity", "start"]].values) == oracle_start
    assert dict(ends.query("end > 0")[["activity", "end"]].values) == oracle_end
    ours = variants(warehouse)
    assert dict(zip(map(tuple, ours["activities"]), ours["cases"], strict=True)) \
        == _pm4py.variant_counts(raw)


def test_sepsis_has_equal_timestamps_and_still_matches_pm4py_in_file_order(warehouse, settings):
    ingest_files(warehouse, [SHARED_DATA / "sepsis/sepsis.csv"], MAPPINGS / "sepsis.yaml",
                 settings)
    ties = warehouse.scalar("SELECT count(*) FROM (SELECT case_id, timestamp FROM events "
                            "GROUP BY ALL HAVING count(*) > 1)")
    assert ties > 100  # the log is full of them, so the order rule is really exercised
    events = events_frame(warehouse)
    assert edges_of(dfg(warehouse)) == _pm4py.dfg_counts(events)[0]


def test_calendar_median_per_edge_equals_pm4py_performance_dfg(warehouse, settings):
    ingest_files(warehouse, [SHARED_DATA / "receipt/receipt.xes.gz"], MAPPINGS / "xes.yaml",
                 settings)
    perf = performance_dfg(warehouse, calendar_from_settings(settings))
    oracle = _pm4py.performance_dfg_seconds(pm4py_reads("receipt/receipt.xes.gz"))
    ours = {(a, b): m for a, b, m in zip(perf["source"], perf["target"],
                                         perf["median_calendar_s"], strict=True)}
    assert ours.keys() == oracle.keys()
    for edge, seconds in oracle.items():
        assert ours[edge] == pytest.approx(seconds, abs=1e-3), edge


# --- mined models and the command -----------------------------------------------------------


def test_mined_models_cover_the_activities_and_export_as_bpmn_and_pnml(warehouse, settings,
                                                                       tmp_path):
    ingest_files(warehouse, [SHARED_DATA / "running_example/running-example.xes"],
                 MAPPINGS / "xes.yaml", settings)
    from pipeline.sop.pnml import read_pnml

    activities = set(warehouse.scalar("SELECT list(DISTINCT activity) FROM events"))
    for miner in ("inductive", "heuristics"):
        model = discover_model(warehouse, miner=miner)
        assert set(model.activities) == activities
        model.write_pnml(str(tmp_path / f"{miner}.pnml"))
        model.write_bpmn(str(tmp_path / f"{miner}.bpmn"))
        assert set(read_pnml(tmp_path / f"{miner}.pnml").labels) == activities
        tasks = etree.parse(str(tmp_path / f"{miner}.bpmn")).findall(".//{*}task")
        assert {t.get("name") for t in tasks} == activities


def test_discover_command_writes_the_tables_the_map_and_the_model(settings, tmp_path):
    from pipeline.discover_cli import discover
    from pipeline.warehouse import open_warehouse

    with open_warehouse(settings.db) as wh:
        load_traces(wh, settings, tmp_path, {
            "A1": "ajukan periksa entri validasi tte serahkan",
            "A2": "ajukan periksa entri validasi tte serahkan",
            "A3": "ajukan periksa entri tte serahkan",
        })
    out = tmp_path / "hasil"
    sop = Path(__file__).parent / "data/sop/kk-baru-contoh.yaml"
    result = CliRunner().invoke(discover, ["--out", str(out), "--sop", str(sop),
                                           "--coverage", "1"], obj={"db": settings.db})
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"dfg.csv", "variants.csv", "start_end.csv", "bottlenecks.csv", "comparison.csv",
            "map.svg", "map.html", "model.bpmn", "model.pnml"} <= names
    assert pd.read_csv(out / "variants.csv")["cases"].tolist() == [2, 1]
    comparison = pd.read_csv(out / "comparison.csv").set_index(["source", "target"])
    assert comparison.loc[("entri", "tte"), "class"] == "deviating"
    svg = etree.parse(str(out / "map.svg"))
    drawn = svg.findall(".//{*}g[@class='edge']")
    assert len(drawn) == len(comparison)  # coverage 1: every edge of the table is drawn
    page = etree.HTML((out / "map.html").read_text())
    assert page.findtext(".//h1").startswith("SOP 'Penerbitan Kartu Keluarga Baru'")
