"""The reports in a real headless Chromium (Debian's ``chromium``): the HTML opened with the
network off renders every chart without a console error; the PDF for the Bupati has at most
six pages with the expected text; the demo's reports, PDF included, take under 30 s."""

from __future__ import annotations

import time

import pytest
from lxml import html as lxml_html

from pipeline.report import render_reports
from pipeline.report.chromium import Browser, find_chromium
from pipeline.report.data import collect
from pipeline.warehouse import open_warehouse
from tests.report_fixtures import SOPS, conformance_results, personal_values, sample_warehouse

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="needs Chromium: apt-get install chromium")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return sample_warehouse(tmp_path_factory.mktemp("browser"))


def test_the_html_renders_every_chart_offline_without_console_errors(settings, tmp_path):
    with open_warehouse(settings.db, read_only=True) as wh:
        inputs = collect(wh, settings, period="2025-03", sops=SOPS,
                         case_results=conformance_results())
    [path, _] = render_reports(inputs, tmp_path, formats=["html"], lang="id").written
    charts = len(lxml_html.fromstring(path.read_text(encoding="utf-8"))
                 .xpath("//div[@class='chart']"))
    with Browser() as browser:
        page = browser.open(path.as_uri(), offline=True)
        rendered = page.wait_for("document.body.dataset.chartsRendered", timeout=30)
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('div.chart')).filter(d => "
            "d.querySelector('svg.main-svg') && d.querySelectorAll('.trace, .shapelayer path')"
            ".length > 0).length")
        messages = page.messages()
    assert int(rendered) == charts == drawn >= 8
    problems = [m for m in messages if m["level"] in ("error", "warning", "assert")
                or m["kind"] == "exception"]
    assert problems == []
    requests = [m["text"] for m in messages if m["kind"] == "request"]
    assert requests and all(url.startswith(("file:", "data:", "blob:", "about:"))
                            for url in requests)


def test_the_pdf_for_the_bupati_in_both_languages_and_in_time(settings, tmp_path):
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF's pages and text")
    started = time.perf_counter()
    with open_warehouse(settings.db, read_only=True) as wh:
        inputs = collect(wh, settings, period="2025-03", sops=SOPS,
                         case_results=conformance_results())
    written = render_reports(inputs, tmp_path / "id", lang="id")
    elapsed = time.perf_counter() - started
    assert written.notes == []
    assert elapsed < 30, f"the demo's reports took {elapsed:.1f} s"
    english = render_reports(inputs, tmp_path / "en", formats=["pdf"], lang="en")
    secrets = personal_values()
    for folder, words in (("id", ("Ringkasan untuk Bupati Kepahiang", "Penerbitan Kartu "
                                  "Keluarga Baru", "Tidak berjalan dengan baik",
                                  "Pada periode 1 Maret 2025 – 31 Maret 2025 tercatat 12 "
                                  "permohonan")),
                          ("en", ("Summary for the Regent of Kepahiang", "Not running well",
                                  "12 cases were recorded"))):
        [pdf] = (tmp_path / folder).glob("*.pdf")
        reader = pypdf.PdfReader(pdf)
        assert 2 <= len(reader.pages) <= 6  # the summary, then one page per service
        pages = [" ".join(p.extract_text().split()) for p in reader.pages]
        whole = " ".join(pages)
        for word in words:
            assert word in whole, (folder, word)
        assert "Penerbitan Kartu Keluarga Baru" in pages[1]
        assert not any(value in whole for value in secrets)
    assert english.notes == []
