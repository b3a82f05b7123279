"""CLI command ``sopmine report``: the HTML report, the PDF for the Bupati and the workbook for
the Inspektorat of one period, written into one folder."""

from __future__ import annotations

import click

from pipeline.cli import settings_of


@click.command("report")
@click.option("--period", required=True, metavar="PERIOD",
              help="2025 (year), 2025-Q3 (quarter), 2025-07 (month) or FROM..TO (ISO dates).")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder to write into (default: REPORTS_DIR/PERIOD).")
@click.option("--layanan", default=None, help="Only this service.")
@click.option("--unit", default=None, help="Only this unit.")
@click.option("--lang", type=click.Choice(["id", "en"]), default=None,
              help="Language (default: setting 'language', id).")
@click.option("--format", "formats", default="html,pdf,xlsx", show_default=True,
              help="Comma-separated formats: html, pdf, xlsx.")
@click.option("--sop", "sops", multiple=True, default=("data/sop",), show_default=True,
              type=click.Path(exists=True),
              help="SOP files or folders (every version); repeat for several.")
@click.option("--threshold", default=0.8, show_default=True, type=float,
              help="Share of cases on time and conforming at which an SOP is rated "
                   "'Berjalan dengan baik' (Permenpan 35/2012, Tabel 7).")
@click.option("--run", "run_id", default=None, type=int,
              help="Conformance check run to report (default: the latest 'sopmine check').")
@click.pass_context
def report(ctx: click.Context, period: str, out: str | None, layanan: str | None,
           unit: str | None, lang: str | None, formats: str, sops: tuple[str, ...],
           threshold: float, run_id: int | None) -> None:
    """Write the reports of PERIOD into OUT, read from the warehouse."""
    from pathlib import Path

    from pipeline.report import parse_formats, write_reports
    from pipeline.report.data import report_period
    from pipeline.warehouse import open_warehouse

    settings = settings_of(ctx)
    chosen = parse_formats(formats)
    p = report_period(period)
    folder = Path(out) if out else Path(settings.reports_dir) / p.label.replace("..", "_")
    with open_warehouse(settings.db, read_only=True) as wh:
        result = write_reports(wh, folder, settings, period=p, layanan=layanan, unit=unit,
                               sops=sops, formats=chosen, lang=lang, threshold=threshold,
                               run_id=run_id)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for path in result.written:
        click.echo(str(path))
