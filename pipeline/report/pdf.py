"""The PDF for the Bupati: at most six A4 pages of formal conclusions, printed by Chromium.

Why Chromium and not weasyprint or kaleido: the charts are plotly figures, which need a
JavaScript engine to be drawn. Chromium prints the same HTML, CSS and plotly.js as the HTML
report, so the PDF's charts are exactly the report's, with one program (Debian's ``chromium``)
and no extra Python package; weasyprint runs no JavaScript, so it would need kaleido (which
itself drives Chromium) to turn every chart into an image first: two engines for one result.

Page 1 holds the key figures, the verdict per service and the trend; then one page per service
(the five with the most cases; the others stay in the page-1 table), each with a verdict in a
sentence, its figures and two charts.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pipeline.report.data import ReportInputs
from pipeline.report.html import Charts, css, draw_script, environment, plotly_js
from pipeline.report.texts import LANGUAGES, jenis_text, number, percent, text

MAX_SERVICE_PAGES = 5


def _sentence(s: dict[str, Any], lang: str, checked: bool) -> str:
    h = s["h"]
    conf = (text(lang, "pdf_conf", conforming=percent(h["conforming"], lang))
            if checked and h["conforming"] is not None else "")
    key = {"good": "pdf_service_good", "bad": "pdf_service_bad"}.get(s["verdict"] or "",
                                                                      "pdf_service_none")
    return text(lang, key, judul=s["judul"], on_time=percent(h["on_time"], lang), conf=conf)


def render_pdf_html(inputs: ReportInputs, lang: str = "id",
                    summary: dict[str, Any] | None = None) -> str:
    """The HTML that Chromium prints: A4 pages, static charts. ``summary``: as for
    :func:`~pipeline.report.html.render_html` (read, not changed)."""
    from markupsafe import Markup

    from pipeline.report.view import header_view, summary_view

    if lang not in LANGUAGES:
        raise ValueError(f"language '{lang}' is not one of {', '.join(LANGUAGES)}")
    charts = Charts(static=True)
    if summary is None:
        summary = summary_view(inputs, lang)
    head = header_view(inputs, lang)
    h = summary["h"]
    conf = (text(lang, "pdf_lead_conf", conforming=percent(h["conforming"], lang))
            if inputs.conformance_checked and h["conforming"] is not None else "")
    lead = text(lang, "pdf_lead", period=head["period_dates"], cases=number(h["cases"], lang),
                on_time=percent(h["on_time"], lang), conf=conf)
    pages = [dict(s) for s in summary["services"][:MAX_SERVICE_PAGES]]  # texts added below
    for s in pages:
        s["sentence"] = _sentence(s, lang, inputs.conformance_checked)
        s["issue"] = (text(lang, "pdf_main_issue", what=jenis_text(lang, s["h"]["top"][0][0]),
                           n=number(s["h"]["top"][0][1], lang)) if s["h"]["top"] else "")
    body = environment().get_template("bupati.html.j2").render(
        lang=lang, t=lambda key, **kw: text(lang, key, **kw), head=head, summary=summary,
        pages=pages, more=len(summary["services"]) > len(pages), lead=lead,
        intro=text(lang, "pdf_intro", n=len(summary["services"])), inputs=inputs,
        num=lambda v, d=0: number(v, lang, d), pct=lambda v, d=0: percent(v, lang, d),
        chart=charts, css=css(), draw=draw_script(static=True))
    return body.replace("<!--FIGURES-->", str(charts.script())).replace(
        "<!--PLOTLY-->", str(Markup("<script>") + Markup(plotly_js().replace("</script", "<\\/script"))
                             + Markup("</script>")))


def write_pdf(inputs: ReportInputs, path: str | Path, lang: str = "id", *,
              timeout: float = 60.0, summary: dict[str, Any] | None = None) -> Path:
    """Print the PDF with headless Chromium; :class:`~pipeline.report.chromium.BrowserError`
    (a :class:`~pipeline.errors.ConfigError`) with the install command when it is missing."""
    from pipeline.report.chromium import Browser

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sopmine-pdf-") as tmp:
        page_file = Path(tmp) / "bupati.html"
        page_file.write_text(render_pdf_html(inputs, lang, summary), encoding="utf-8")
        with Browser(timeout=timeout) as browser:
            page = browser.open(page_file.as_uri(), width=672, height=1000)
            page.wait_for("document.body.dataset.chartsRendered", timeout=timeout)
            out.write_bytes(page.pdf(timeout=timeout))
    return out
