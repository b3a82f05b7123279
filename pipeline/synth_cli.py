"""CLI command ``sopmine synth``: write a seeded year of Kepahiang demo logs with ground truth."""

from __future__ import annotations

import datetime as dt

import click

from pipeline.cli import settings_of


def _date(_ctx: click.Context, _param: click.Parameter, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write it as YYYY-MM-DD.") from None


def _rates(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    rates = {}
    for item in values:
        code, sep, number = item.partition("=")
        try:
            rates[code.strip()] = float(number)
        except ValueError:
            sep = ""
        if not sep:
            raise click.BadParameter(f"'{item}': write CODE=RATE, e.g. skipped_step=0.05.")
    return rates


@click.command("synth")
@click.option("--seed", type=int, default=2025, show_default=True, help="Seed of the generator.")
@click.option("--cases", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Number of applications over all services.")
@click.option("--start", default="2025-01-01", show_default=True, callback=_date,
              help="First arrival date.")
@click.option("--end", default="2025-12-31", show_default=True, callback=_date,
              help="Last arrival date.")
@click.option("--out", "out_dir", default="data/demo", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the exports (git-ignored).")
@click.option("--sop", "sop_dir", default="data/sop", show_default=True,
              type=click.Path(exists=True), help="SOP library to play.")
@click.option("--rate", "rates", multiple=True, callback=_rates,
              help="Deviation rate CODE=RATE (repeatable), e.g. --rate sla_breach=0.05.")
@click.pass_context
def synth(ctx: click.Context, seed: int, cases: int, start: dt.date, end: dt.date, out_dir: str,
          sop_dir: str, rates: dict[str, float]) -> None:
    """Generate demo logs (counter CSV, SIMBG Excel, SIASN snapshots) and ground_truth.csv."""
    from pipeline.sop import SopLibrary
    from pipeline.synth import generate, write_exports

    settings = settings_of(ctx)
    try:
        result = generate(SopLibrary.load(sop_dir), seed=seed, cases=cases, start=start, end=end,
                          rates=rates, settings=settings)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    paths = write_exports(result, out_dir)
    clean = result.cases["case_id"].nunique() - result.truth["case_id"].nunique()
    click.echo(f"{len(result.cases)} cases, {len(result.events)} events, "
               f"{len(result.truth)} deviations ({clean} clean cases), {len(paths)} files in {out_dir}")
    for jenis, n in result.truth["jenis"].value_counts().sort_index().items():
        click.echo(f"  {jenis:<22} {n}")
