"""CLI commands of the conformance stage: ``check`` and ``run``."""

from __future__ import annotations

from typing import Any

import click

from pipeline.cli import settings_of

_SOP_HELP = "SOP models: files or folders (sop-ap/1 YAML, BPMN, PNML). Repeatable."


def _summary(result: Any) -> None:
    click.echo(f"run {result.run_id}: {result.cases:,} cases checked as of "
               f"{result.as_of.isoformat()} ({result.cases_without_sop:,} without an SOP), "
               f"{result.variants:,} variants ({result.variants_aligned:,} aligned now), "
               f"{result.deviations:,} deviations in {result.seconds:.1f} s")
    for code, n in result.per_code.items():
        if n:
            click.echo(f"  {code}: {n:,}")


def _staff(path: str | None) -> dict[str, str] | None:
    if path is None:
        return None
    import csv

    from pipeline.errors import MappingError

    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"resource", "role"} <= set(reader.fieldnames):
            raise MappingError("a staff table needs the columns resource,role", file=path,
                               line=1, fix="Write the header 'resource,role'.")
        return {row["resource"]: row["role"] for row in reader if row["resource"]}


@click.command("check")
@click.option("--sop", "sops", multiple=True, required=True, type=click.Path(exists=True),
              help=_SOP_HELP)
@click.option("--as-of", "as_of", help="Report date (default: the latest event in the data).")
@click.option("--lang", type=click.Choice(["id", "en"]), help="Language of the texts.")
@click.option("--closed", is_flag=True,
              help="The log is complete: judge no case as still open (no prefix alignment).")
@click.option("--staff", type=click.Path(exists=True, dir_okay=False),
              help="CSV resource,role for events whose role the log does not give.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Also write cases.csv and deviations.csv into this folder.")
@click.option("--workers", type=int, help="Processes for new alignments (default: automatic).")
@click.pass_context
def check(ctx: click.Context, sops: tuple[str, ...], as_of: str | None, lang: str | None,
          closed: bool, staff: str | None, out: str | None, workers: int | None) -> None:
    """Check every case in the warehouse against its SOP and store the deviations."""
    from pipeline.conform import check as run_check
    from pipeline.conform import write_results
    from pipeline.sop import SopLibrary
    from pipeline.warehouse import open_warehouse

    settings = settings_of(ctx)
    library = SopLibrary.load(*sops)
    with open_warehouse(settings.db, memory_limit=settings.duckdb_memory_limit,
                        threads=settings.duckdb_threads) as wh:
        result = run_check(wh, library, settings, as_of=as_of, language=lang, closed=closed,
                           staff=_staff(staff), workers=workers)
        _summary(result)
        if out:
            for path in write_results(wh, out, result.run_id):
                click.echo(f"wrote {path}")


@click.command("run")
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--sop", "sops", multiple=True, required=True, type=click.Path(exists=True),
              help=_SOP_HELP)
@click.option("--mapping", "-m", type=click.Path(exists=True, dir_okay=False),
              help="Mapping file (YAML) of the logs.")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Output folder: a fresh warehouse.duckdb, cases.csv, deviations.csv, "
                   "manifest.json and the reports.")
@click.option("--as-of", "as_of", help="Report date (default: the latest event in the data).")
@click.option("--lang", type=click.Choice(["id", "en"]), help="Language of the texts.")
@click.option("--closed", is_flag=True,
              help="The log is complete: judge no case as still open (no prefix alignment).")
@click.option("--workers", type=int, help="Processes for new alignments (default: automatic).")
@click.option("--no-reports", "no_reports", is_flag=True,
              help="Only the CSV files and the manifest, no HTML/PDF/Excel reports.")
@click.pass_context
def run(ctx: click.Context, logs: tuple[str, ...], sops: tuple[str, ...], mapping: str | None,
        out: str, as_of: str | None, lang: str | None, closed: bool,
        workers: int | None, no_reports: bool) -> None:
    """Ingest LOGS, check them against the SOPs and write the results into a fresh folder."""
    from pipeline.run import run as run_all

    result = run_all(logs, sops, out, settings_of(ctx), mapping=mapping, as_of=as_of,
                     language=lang, closed=closed, workers=workers, reports=not no_reports)
    _summary(result.check)
    # the reports' own manifest.json is folded into the run's: name each file once
    for path in dict.fromkeys((result.cases_csv, result.deviations_csv, *result.reports,
                               result.manifest)):
        click.echo(f"wrote {path}")
