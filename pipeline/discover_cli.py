"""CLI command ``sopmine discover``: the actual flow, its variants and bottlenecks, the map
beside the SOP, and a mined model, written as files into one folder."""

from __future__ import annotations

import click

from pipeline.cli import settings_of


@click.command("discover")
@click.option("--out", default="reports/discover", show_default=True,
              type=click.Path(file_okay=False), help="Folder to write the files into.")
@click.option("--layanan", default=None, help="Only cases of this service.")
@click.option("--unit", default=None, help="Only cases of this unit (its calendar is used).")
@click.option("--period", default=None, metavar="FROM..TO",
              help="Only cases whose first event falls in these local dates (ends included).")
@click.option("--coverage", default=0.8, show_default=True, type=float,
              help="Draw and mine only the most frequent variants covering this share of "
                   "cases (the CSV tables always cover every case).")
@click.option("--sop", "sops", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="SOP (.yaml), BPMN or PNML model to compare with; repeat for several.")
@click.option("--per-unit", is_flag=True, help="Also draw one map per unit.")
@click.option("--noise", default=0.2, show_default=True, type=float,
              help="Noise threshold of the inductive miner (0..1).")
@click.option("--calendar", "calendar_name", default="default", show_default=True,
              help="Working calendar for working times ([calendar.NAME]).")
@click.pass_context
def discover(ctx: click.Context, out: str, layanan: str | None, unit: str | None,
             period: str | None, coverage: float, sops: tuple[str, ...], per_unit: bool,
             noise: float, calendar_name: str) -> None:
    """Write dfg.csv, variants.csv, start_end.csv, bottlenecks.csv, map.svg/.html and
    model.bpmn/.pnml (inductive miner) into OUT."""
    from pipeline.calendar import calendar_from_settings
    from pipeline.discover import Filter, parse_period
    from pipeline.report.maps import write_discovery
    from pipeline.sop.declared import load_model
    from pipeline.warehouse import open_warehouse

    settings = settings_of(ctx)
    f = Filter(period=parse_period(period) if period else None, layanan=layanan, unit=unit,
               coverage=coverage, timezone=settings.timezone)
    models = [load_model(path) for path in sops]
    calendar = calendar_from_settings(settings, calendar_name, unit)
    with open_warehouse(settings.db, read_only=True) as wh:
        written = write_discovery(wh, out, f, calendar, models=models, noise=noise,
                                  per_unit=per_unit)
    for path in written:
        click.echo(str(path))
