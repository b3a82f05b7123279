"""CLI commands of the ingest stage: ``ingest``, ``quality``, ``loads``, ``keygen``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pipeline.cli import settings_of


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--mapping", "-m", type=click.Path(dir_okay=False),
              help="Mapping file (YAML). Without it, well-known column names are guessed.")
@click.pass_context
def ingest(ctx: click.Context, files: tuple[str, ...], mapping: str | None) -> None:
    """Load event logs (CSV, Excel, Parquet, XES, status snapshots) into the warehouse."""
    from pipeline.ingest import ingest_files
    from pipeline.ingest.quality import format_quality
    from pipeline.warehouse import open_from_settings

    settings = settings_of(ctx)
    bar = _progress_bar()
    with open_from_settings(settings) as wh:
        results = ingest_files(wh, files, mapping, settings, progress=bar.update if bar else None)
    if bar:
        bar.close()
    for r in results:
        if r.already_loaded_as is not None:
            click.echo(f"{r.file}: already loaded with this mapping (load {r.already_loaded_as}); "
                       "nothing added.")
            continue
        click.echo(f"{r.file}: load {r.load_id}: {r.rows_loaded:,} events added, "
                   f"{r.rows_quarantined:,} rows quarantined, {r.rows_duplicate:,} already stored.")
        click.echo(format_quality(r.quality, title="  data quality of this load"))
    click.echo(f"warehouse: {settings.db}")


def _progress_bar() -> Any:
    """A tqdm bar on a terminal; nothing when output goes to a file or CI."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(unit=" rows", unit_scale=True, desc="reading", file=sys.stderr, leave=False)


@click.command()
@click.option("--load", "load_id", type=int, help="Only this load (see 'sopmine loads').")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def quality(ctx: click.Context, load_id: int | None, as_json: bool) -> None:
    """Print the data-quality summary of the warehouse (or of one load)."""
    import json

    from pipeline.ingest.quality import format_quality, quality_summary
    from pipeline.warehouse import open_from_settings

    settings = settings_of(ctx)
    with open_from_settings(settings, read_only=True) as wh:
        summary = quality_summary(wh, settings, load_id=load_id)
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
    else:
        title = f"Data quality of load {load_id}" if load_id else f"Data quality of {settings.db}"
        click.echo(format_quality(summary, title=title))


@click.command()
@click.pass_context
def loads(ctx: click.Context) -> None:
    """List the loads (lineage): file, content hash, mapping, row counts, time."""
    from pipeline.warehouse import open_warehouse

    settings = settings_of(ctx)
    with open_warehouse(settings.db, read_only=True) as wh:
        rows = wh.rows("""SELECT load_id, file_name, left(content_hash, 12), mapping_name,
                          rows_read, rows_loaded, rows_quarantined, rows_duplicate, loaded_at
                          FROM loads ORDER BY load_id""")
    click.echo("load  file  sha256  mapping  read  loaded  quarantined  already-stored  loaded-at")
    for r in rows:
        click.echo("  ".join(str(v) for v in r))


@click.command()
@click.option("--out", type=click.Path(dir_okay=False),
              help="Where to write the key (default: setting pseudonym_key_file).")
@click.pass_context
def keygen(ctx: click.Context, out: str | None) -> None:
    """Create the secret key for pseudonyms of personal data (keep it outside the warehouse)."""
    from pipeline.ingest.pseudonym import write_key

    path = write_key(Path(out or settings_of(ctx).pseudonym_key_file))
    click.echo(f"key written to {path} (mode 600). Back it up: pseudonyms depend on it.")
