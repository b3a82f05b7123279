"""Reports: maps and figures, the HTML report, the PDF for the Bupati, the Excel workbook.

:func:`~pipeline.report.data.collect` gathers a period's figures from the warehouse into a
:class:`~pipeline.report.data.ReportInputs`; :func:`render_reports` writes the formats asked
for (``html``, ``pdf``, ``xlsx``) and ``manifest.json`` into one folder; :func:`write_reports`
does both from a warehouse (what ``sopmine report`` and ``sopmine run`` call). Without Chromium the
PDF is skipped with a one-line note saying how to install it; the other formats still come out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS = ("html", "pdf", "xlsx")


@dataclass
class ReportFiles:
    """What was written (iterating gives the paths), and notes for the reader (a skipped
    PDF, an empty period)."""

    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Path]:
        return iter(self.written)


def parse_formats(value: str | Iterable[str]) -> tuple[str, ...]:
    from pipeline.errors import InputError

    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise InputError(f"unknown report format {', '.join(unknown) or '(none)'}; "
                         f"use some of {','.join(FORMATS)}, e.g. --format html,pdf.")
    return chosen


def write_reports(wh: Any, out: str | Path, settings: Any, *, run_id: int | None = None,
                  period: Any = None, layanan: str | None = None, unit: str | None = None,
                  sops: Any = None, formats: Iterable[str] = FORMATS, lang: str | None = None,
                  threshold: float = 0.8) -> ReportFiles:
    """Collect and write the reports of ``period`` from the warehouse ``wh`` into ``out``.

    ``period``: text or :class:`~pipeline.report.data.Period` (default: the dates of the first
    and the last event). ``sops``: SOP files, folders or a library (default: the models of
    check run ``run_id``, else of the latest check). ``run_id``: the conformance run to read
    (default: the latest). See :func:`render_reports` for the files."""
    from pipeline.report.data import collect, data_period
    from pipeline.stopwatch import stage

    with stage("report data"):
        inputs = collect(wh, settings, period=period or data_period(wh, settings.timezone),
                         layanan=layanan, unit=unit,
                         sops=sops if sops is not None else _run_models(wh, run_id),
                         threshold=threshold, run_id=run_id)
    files = render_reports(inputs, out, formats=formats, lang=lang or settings.language)
    files.notes[:0] = list(inputs.notes)
    return files


def _run_models(wh: Any, run_id: int | None) -> list[str]:
    """The model files that check run ``run_id`` (default: the latest) used."""
    import json

    if not wh.has_table("check_runs"):
        return []
    row = wh.scalar("SELECT models FROM check_runs WHERE run_id = coalesce(?, "
                    "(SELECT max(run_id) FROM check_runs))", [run_id])
    models = json.loads(row) if row else []
    return sorted({m["file"] for m in models if m.get("file") and Path(m["file"]).exists()})


def render_reports(inputs: Any, out: str | Path, *, formats: Iterable[str] = FORMATS,
                   lang: str = "id") -> ReportFiles:
    """Write ``laporan-PERIOD.html``, ``ringkasan-bupati-PERIOD.pdf``,
    ``temuan-inspektorat-PERIOD.xlsx`` (``report-``, ``regent-summary-``,
    ``inspectorate-findings-`` in English) and ``manifest.json`` into ``out``."""
    from pipeline.report.chromium import BrowserError
    from pipeline.report.data import manifest_json
    from pipeline.stopwatch import stage

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    result = ReportFiles()
    stem = inputs.period.label.replace("..", "_")
    names = ({"html": "laporan", "pdf": "ringkasan-bupati", "xlsx": "temuan-inspektorat"}
             if lang == "id" else
             {"html": "report", "pdf": "regent-summary", "xlsx": "inspectorate-findings"})
    chosen = parse_formats(list(formats))
    summary = None
    if "html" in chosen and "pdf" in chosen:
        # both show the summary and every service's figures: built once (~2 s for a year)
        from pipeline.report.view import summary_view

        with stage("report summary and figures"):
            summary = summary_view(inputs, lang)
    for fmt in chosen:
        path = folder / f"{names[fmt]}-{stem}.{fmt}"
        with stage(f"report {fmt}"):
            if fmt == "html":
                from pipeline.report.html import write_html

                result.written.append(write_html(inputs, path, lang, summary))
            elif fmt == "xlsx":
                from pipeline.report.xlsx import write_xlsx

                result.written.append(write_xlsx(inputs, path, lang))
            else:
                from pipeline.report.pdf import write_pdf

                try:
                    result.written.append(write_pdf(inputs, path, lang, summary=summary))
                except BrowserError as exc:
                    result.notes.append(str(exc))
    manifest = folder / "manifest.json"
    manifest.write_text(manifest_json(inputs), encoding="utf-8")
    result.written.append(manifest)
    return result
