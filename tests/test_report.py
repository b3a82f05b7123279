"""Reports by structure: the HTML parsed (sections, tables, charts, numbers equal to the
warehouse's), the workbook read with openpyxl, periods, censoring, and no personal data."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from lxml import html as lxml_html
from openpyxl import load_workbook

from pipeline.errors import InputError
from pipeline.ingest import ingest_files
from pipeline.report import render_reports
from pipeline.report.data import collect, report_period
from pipeline.report.html import render_html
from pipeline.report.texts import AKIBAT, JENIS, JENIS_TEXT, KRITERIA, REKOMENDASI, TEXTS
from pipeline.report.xlsx import HEADER_FILL, write_xlsx
from pipeline.settings import Settings
from pipeline.warehouse import open_warehouse
from tests.report_fixtures import (
    MAPPING,
    SOPS,
    conformance_results,
    personal_values,
    sample_warehouse,
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return sample_warehouse(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def inputs(settings):
    with open_warehouse(settings.db, read_only=True) as wh:
        return collect(wh, settings, period="2025-03", sops=SOPS,
                       case_results=conformance_results())


@pytest.fixture(scope="module")
def page(inputs):
    return lxml_html.fromstring(render_html(inputs, "id"))


def values(table) -> list[list[str]]:
    return [[td.get("data-value", td.text_content().strip()) for td in tr.findall("td")]
            for tr in table.findall(".//tbody/tr")]


# --- periods --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, start, end, prev_start, prev_end", [
    ("2025-Q3", "2025-07-01", "2025-09-30", "2025-04-01", "2025-06-30"),
    ("2025-07", "2025-07-01", "2025-07-31", "2025-06-01", "2025-06-30"),
    ("2025-03", "2025-03-01", "2025-03-31", "2025-02-01", "2025-02-28"),
    ("2025", "2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31"),
    ("2025-03-10..2025-03-16", "2025-03-10", "2025-03-16", "2025-03-03", "2025-03-09"),
])
def test_a_period_and_the_previous_one_of_the_same_length(text, start, end, prev_start,
                                                          prev_end):
    p = report_period(text)
    assert (str(p.start), str(p.end)) == (start, end)
    assert (str(p.previous().start), str(p.previous().end)) == (prev_start, prev_end)


@pytest.mark.parametrize("text, hint", [("2025-Q5", "2025-Q3"), ("Maret 2025", "2025-07"),
                                        ("2025-03-31..2025-03-01", "FROM on or before TO")])
def test_a_period_that_is_not_understood_says_how_to_write_it(text, hint):
    with pytest.raises(InputError, match=hint):
        report_period(text)


# --- what collect gathers -------------------------------------------------------------------


def test_the_cases_are_those_whose_first_event_falls_in_the_period(settings, inputs):
    with open_warehouse(settings.db, read_only=True) as wh:
        expected = {r[0] for r in wh.rows(
            "SELECT case_id FROM events GROUP BY case_id HAVING min(timestamp) >= "
            "TIMESTAMPTZ '2025-03-01 00:00+07' AND min(timestamp) < TIMESTAMPTZ '2025-04-01 00:00+07'")}
    assert set(inputs.cases["case_id"]) == expected
    assert len(expected) == 12
    assert inputs.previous_cases.empty  # nothing in February
    assert inputs.conformance_checked
    open_case = inputs.cases.set_index("case_id").loc["KK/2025/03/0012"]
    assert open_case["status"] == "berjalan" and pd.isna(open_case["selesai"])


def test_open_cases_are_judged_at_the_end_of_the_period(settings):
    """Case 0006 started on 10 March and finished on 11 March: in a report up to 10 March it
    is still open, and the extra step of case 0003 on 11 March is not yet there."""
    with open_warehouse(settings.db, read_only=True) as wh:
        early = collect(wh, settings, period="2025-03-01..2025-03-10", sops=SOPS,
                        case_results=conformance_results(), draw_maps=False)
    cases = early.cases.set_index("case_id")
    assert early.as_of == pd.Timestamp("2025-03-10 23:59:59.999999", tz="Asia/Jakarta")
    assert cases.loc["KK/2025/03/0006", "status"] == "berjalan"
    assert cases.loc["KK/2025/03/0001", "status"] == "selesai"
    assert "KK/2025/03/0003" in cases.index
    assert not ((early.deviations["case_id"] == "KK/2025/03/0003")
                & (early.deviations["jenis"] == "extra_step")).any()
    # the previous period has the same length (10 days) and holds no case of the sample
    assert (early.previous.start, early.previous.end) == (dt.date(2025, 2, 19),
                                                          dt.date(2025, 2, 28))


def test_officers_appear_only_as_pseudonyms(inputs):
    resources = inputs.deviations["resource"].dropna()
    assert len(resources) and all(r.startswith("P-") for r in resources)


# --- the HTML -------------------------------------------------------------------------------


def test_the_html_has_every_section(page, inputs):
    sections = [s.get("data-section") for s in page.findall(".//section")]
    assert sections == ["summary", "service", "quality", "method"]
    service = page.find(".//section[@data-layanan='kk-baru']")
    tables = {t.get("data-table") for t in service.iter("table")}
    assert {"identity", "trend", "top-deviations", "variants", "dev-by-langkah", "dev-by-unit",
            "dev-by-role", "step-times", "bottlenecks"} <= tables
    assert service.find(".//div[@data-figure='map']/svg") is not None
    headings = [h.text_content() for h in page.iter("h2")]
    assert headings[0] == "Ringkasan eksekutif" and "Kualitas data" in headings


def test_the_html_is_self_contained_with_plotly_embedded_once(inputs):
    text = render_html(inputs, "id")
    doc = lxml_html.fromstring(text)
    assert not doc.xpath("//script[@src] | //link[@href] | //img[starts-with(@src, 'http')]")
    assert len(re.findall(r"plotly\.js v\d", text)) == 1  # the library's banner, once
    specs = json.loads(doc.get_element_by_id("figures").text)
    divs = doc.xpath("//div[@class='chart']")
    assert len(specs) == len(divs) >= 8
    assert [s["id"] for s in specs] == [d.get("id") for d in divs]
    assert "KK/2025/03/0001" not in text  # aggregates only: no case-level rows in the HTML


def test_the_key_figures_equal_the_warehouse(page, inputs, settings):
    with open_warehouse(settings.db, read_only=True) as wh:
        n_cases = wh.scalar("SELECT count(DISTINCT case_id) FROM events")
        n_events = wh.scalar("SELECT count(*) FROM events")
        loads = wh.rows("SELECT rows_read, rows_loaded, rows_quarantined FROM loads")
    kpi = {d.get("data-kpi"): d.find("div[@class='value']").get("data-value")
           for d in page.xpath("//div[@data-kpi]")}
    assert int(kpi["cases"]) == n_cases == 12
    judged = inputs.cases["tepat_waktu"].dropna()
    assert float(kpi["on_time"]) == pytest.approx(judged.astype(bool).mean())
    # conforming: cases without a flow deviation: 0003, 0004 and 0008 have one
    assert float(kpi["conforming"]) == pytest.approx(9 / 12)
    quality = {tr.find("th").text_content().strip(): tr.find("td").get("data-value")
               for tr in page.xpath("//table[@data-table='quality']//tr")}
    assert int(quality["Kejadian"]) == n_events
    [load_row] = values(page.xpath("//table[@data-table='loads']")[0])
    assert [int(v) for v in load_row[2:5]] == list(loads[0])


def test_the_deviation_tables_count_the_check_results(page, inputs):
    service = page.find(".//section[@data-layanan='kk-baru']")
    top = {tr.get("data-jenis"): int(tr.findall("td")[1].get("data-value"))
           for tr in page.xpath("//section[@data-section='summary']"
                                "//table[@data-table='top-deviations']/tbody/tr")}
    expected = inputs.deviations.groupby("jenis")["case_id"].nunique()
    assert top == {j: int(expected[j]) for j in top}
    assert len(top) == 3
    by_step = {(r[0], r[1]): int(r[2]) for r in values(
        service.find(".//table[@data-table='dev-by-langkah']"))}
    assert by_step[("validasi", "Langkah dilewati")] == 1
    variants = values(service.find(".//table[@data-table='variants']"))
    assert sum(int(r[2]) for r in variants) == 12
    steps = {r[0]: r for r in values(service.find(".//table[@data-table='step-times']"))}
    assert int(steps["entri"][4]) == 13  # case 0006 entered its data twice


def test_the_english_report_says_the_same_in_english(inputs):
    doc = lxml_html.fromstring(render_html(inputs, "en"))
    assert doc.get("lang") == "en"
    assert next(h.text_content() for h in doc.iter("h2")) == "Executive summary"
    assert doc.xpath("//div[@data-kpi='cases']/div[@class='value']")[0].get("data-value") == "12"


def test_every_deviation_code_has_its_words_in_both_languages():
    for table in (JENIS_TEXT, KRITERIA, AKIBAT, REKOMENDASI):
        assert set(table) == set(JENIS)
    for key, pair in TEXTS.items():
        assert len(pair) == 2 and all(pair), key


# --- the workbook ---------------------------------------------------------------------------


def test_the_workbook_holds_findings_case_list_and_monitoring_form(inputs, tmp_path):
    path = write_xlsx(inputs, tmp_path / "temuan.xlsx", "id")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Temuan", "Daftar penyimpangan", "Monitoring Tabel 7", "Manifes"]
    ws = wb["Temuan"]
    header = [c.value for c in ws[4]]
    assert header[5:10] == ["Kriteria", "Kondisi", "Sebab", "Akibat", "Rekomendasi"]
    rows = {(r[3], r[4]): r for r in ws.iter_rows(min_row=5, values_only=True)}
    skipped = rows[("Langkah dilewati", "validasi")]
    assert "470/012/DUKCAPIL/2024" in skipped[5] and "UU 23/2006" in skipped[5]
    assert "1 dari 12 permohonan" in skipped[6]
    assert skipped[7] == "(diisi auditor)"
    assert skipped[10] == 1 and skipped[12] == "KK/2025/03/0004"
    listed = list(wb["Daftar penyimpangan"].iter_rows(min_row=5, values_only=True))
    assert len(listed) == len(inputs.deviations)
    assert all(r[7] is None or r[7].startswith("P-") for r in listed)
    monitoring = list(wb["Monitoring Tabel 7"].iter_rows(min_row=10, values_only=True))
    [(_no, procedure, good, bad, notes, _action)] = monitoring
    assert "Penerbitan Kartu Keluarga Baru" in procedure
    # 9 of 12 conform (75%) < 80%: not running well
    assert (good, bad) == (None, "✓") and "75,0% sesuai SOP" in notes


def test_the_workbook_tables_are_laid_out_for_auditors(inputs, tmp_path):
    # auditors filter and print these sheets: every body cell wraps, sits at the top and has
    # a border; the verdict columns of Tabel 7 are centred; the header stays in view
    wb = load_workbook(write_xlsx(inputs, tmp_path / "temuan.xlsx", "id"))
    ws = wb["Daftar penyimpangan"]
    last = 4 + len(inputs.deviations)
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref == f"A4:J{last}"
    assert ws["A4"].font.b and ws["A4"].font.color.rgb.endswith("FFFFFF")
    assert ws["A4"].fill.fgColor.rgb.endswith(HEADER_FILL.upper())
    for row in ws.iter_rows(min_row=5, max_row=last):
        for cell in row:
            assert cell.alignment.wrap_text and cell.alignment.vertical == "top", cell.coordinate
            assert cell.alignment.horizontal is None, cell.coordinate
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    assert ws.column_dimensions["J"].width == 60
    form = wb["Monitoring Tabel 7"]
    assert [form.cell(row=10, column=j).alignment.horizontal for j in range(1, 7)] == [
        None, None, "center", "center", None, None]
    assert form["F10"].border.right.style == "thin"


def test_a_table_row_longer_than_its_header_is_written_and_styled():
    from openpyxl import Workbook

    from pipeline.report.xlsx import _table

    ws = Workbook().active
    _table(ws, 4, ["a", "b"], [[1, 2, 3]], widths=[10, 10])
    assert [c.value for c in ws[5]] == [1, 2, 3]
    assert ws["C5"].border.left.style == "thin" and ws["C5"].alignment.wrap_text


def test_the_monitoring_threshold_is_configurable(settings, tmp_path):
    with open_warehouse(settings.db, read_only=True) as wh:
        lenient = collect(wh, settings, period="2025-03", sops=SOPS, threshold=0.7,
                          case_results=conformance_results(), draw_maps=False)
    ws = load_workbook(write_xlsx(lenient, tmp_path / "t.xlsx", "en"))["Monitoring Table 7"]
    [row] = list(ws.iter_rows(min_row=10, values_only=True))
    assert (row[2], row[3]) == ("✓", None)


# --- no personal data, the command ----------------------------------------------------------


def test_no_report_holds_personal_data(inputs, tmp_path):
    files = render_reports(inputs, tmp_path, formats=["html", "xlsx"], lang="id")
    secrets = personal_values()
    assert len(secrets) > 20
    html_text = (tmp_path / "laporan-2025-03.html").read_text(encoding="utf-8")
    wb = load_workbook(tmp_path / "temuan-inspektorat-2025-03.xlsx")
    cells = " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True)
                     for c in row if c is not None)
    manifest = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    for value in secrets:
        assert value not in html_text and value not in cells and value not in manifest, value
    assert {p.name for p in files.written} == {"laporan-2025-03.html", "manifest.json",
                                               "temuan-inspektorat-2025-03.xlsx"}


def test_without_chromium_the_pdf_is_skipped_with_the_install_command(settings, tmp_path,
                                                                     monkeypatch):
    from pipeline.report_cli import report

    monkeypatch.setenv("SOPMINE_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setenv("SOPMINE_DB", settings.db)
    monkeypatch.setenv("SOPMINE_PSEUDONYM_KEY_FILE", settings.pseudonym_key_file)
    monkeypatch.chdir(tmp_path)
    sops = [a for s in SOPS for a in ("--sop", str(s))]
    result = CliRunner().invoke(report, ["--period", "2025-03", "--out", "out", "--lang", "en",
                                         *sops])
    assert result.exit_code == 0, result.output
    assert "apt-get install chromium" in result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["inspectorate-findings-2025-03.xlsx", "manifest.json",
                       "report-2025-03.html"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"][0]["file"] == "loket-kk-2025-03.csv"
    assert {s["nomor_sop"] for s in manifest["sops"]} >= {"470/012/DUKCAPIL/2024"}


def test_the_report_reads_the_results_of_the_conformance_check(tmp_path):
    """With no results given, collect() reads the latest ``sopmine check`` run stored in the
    warehouse: the sample's planted deviations come out in the report."""
    from pipeline.conform import check
    from pipeline.sop import SopLibrary

    settings = sample_warehouse(tmp_path)
    with open_warehouse(settings.db) as wh:
        check(wh, SopLibrary.load(*SOPS), settings, workers=1)
        stored = wh.df("SELECT case_id, jenis FROM deviations WHERE jenis NOT IN "
                       "('sla_breach', 'step_overtime')")
        fitness = dict(wh.rows("SELECT case_id, fitness FROM case_results"))
        inputs = collect(wh, settings, period="2025-03", sops=SOPS, draw_maps=False)
    assert inputs.conformance_checked
    flow = inputs.deviations[~inputs.deviations["jenis"].isin(["sla_breach", "step_overtime"])]
    assert sorted(zip(flow["case_id"], flow["jenis"], strict=True)) == sorted(
        zip(stored["case_id"], stored["jenis"], strict=True))
    assert ("KK/2025/03/0004", "skipped_step") in set(zip(flow["case_id"], flow["jenis"],
                                                          strict=True))
    got = inputs.cases.set_index("case_id")["fitness"]
    assert all(got[c] == pytest.approx(f) for c, f in fitness.items())


def test_a_kk_case_under_the_2025_sop_is_finished_when_the_signed_pdf_is_sent(tmp_path):
    """The 2025 KK SOP ends with 'cetak_mandiri', which no system records: a case whose last
    recorded step is 'kirim' is finished (selesai), in the report as in the check."""
    log = tmp_path / "kk-2025.csv"
    log.write_text(
        "NO_PERMOHONAN;TAHAPAN;WAKTU_PROSES;NIP_PETUGAS;KECAMATAN\n"
        "KK/2025/08/0001;PENGAJUAN;04/08/2025 08:10;;Merigi\n"
        "KK/2025/08/0001;VERIFIKASI_FO;04/08/2025 08:20;198703152010012001;Merigi\n"
        "KK/2025/08/0001;ENTRI_SIAK;04/08/2025 08:40;198811232014022005;Merigi\n"
        "KK/2025/08/0001;VALIDASI_KASI;04/08/2025 09:30;197805102005011003;Merigi\n"
        "KK/2025/08/0001;TTE_KADIS;04/08/2025 13:30;197001011995031004;Merigi\n"
        "KK/2025/08/0001;KIRIM_PDF;04/08/2025 13:45;199001202015031002;Merigi\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING.read_text().replace("CETAK_KK: cetak", "KIRIM_PDF: kirim")
                       .replace("staff-dukcapil.csv", str(MAPPING.parent / "staff-dukcapil.csv"))
                       .replace("pseudonymise: [NIK_PEMOHON, NAMA_PEMOHON]", "pseudonymise: []"))
    settings = Settings(db=str(tmp_path / "w.duckdb"), pseudonym_key_file=str(tmp_path / "k"))
    (tmp_path / "k").write_text("report-test-key-0123456789abcdef\n")
    from pipeline.conform import check
    from pipeline.sop import SopLibrary

    with open_warehouse(settings.db) as wh:
        ingest_files(wh, [log], mapping, settings)
        check(wh, SopLibrary.load(*SOPS), settings, workers=1)
        assert wh.scalar("SELECT status FROM case_results") == "selesai"
        inputs = collect(wh, settings, period="2025-08", sops=SOPS, draw_maps=False)
    assert inputs.cases.set_index("case_id").loc["KK/2025/08/0001", "status"] == "selesai"


def test_the_html_and_the_pdf_share_one_summary_and_leave_it_as_it_was(inputs):
    # render_reports builds the summary and its figures once for both; each page must read
    # the same as when it builds its own, and the PDF's page texts must not leak into it
    from pipeline.report.pdf import render_pdf_html
    from pipeline.report.view import summary_view

    shared = summary_view(inputs, "id")
    pdf_alone, html_alone = render_pdf_html(inputs, "id"), render_html(inputs, "id")
    assert render_pdf_html(inputs, "id", shared) == pdf_alone
    assert render_html(inputs, "id", shared) == html_alone
    assert all("sentence" not in s for s in shared["services"])
