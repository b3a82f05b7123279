"""``sopmine sop check FILE...`` and ``sopmine sop show FILE --out FILE.svg|png|html``."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.errors import SopError


@click.group("sop")
def sop() -> None:
    """Check and draw declared SOP models (sop-ap/1 YAML, BPMN 2.0, PNML)."""


@sop.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
def check(files: tuple[str, ...]) -> None:
    """Validate models and summarise steps, roles, paths and the time promise."""
    from pipeline.sop.summary import summarise
    from pipeline.sop.versions import SopLibrary, model_files

    paths = model_files(files)
    failed = 0
    for path in paths:
        try:
            for line in summarise(path):
                click.echo(line)
        except SopError as exc:
            failed += 1
            click.echo(f"ERROR {exc}", err=True)
    if not failed:
        SopLibrary.load(*paths)  # versions of one layanan must not overlap
    if failed:
        raise SopError(f"{failed} of {len(paths)} model file(s) have errors",
                       fix="Fix the lines named above and run 'sopmine sop check' again.")
    click.echo(f"{len(paths)} model file(s) OK")


@sop.command("show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Output file: .svg, .html or .png (PNG needs Chromium).")
def show(file: str, out: str) -> None:
    """Draw the SOP as the official flowchart table."""
    from pipeline.sop.draw import write_drawing
    from pipeline.sop.loader import load_sop

    if Path(file).suffix.lower() not in (".yaml", ".yml"):
        raise SopError("'sop show' draws sop-ap/1 files; this is a BPMN or PNML model",
                       file=file, fix="Open it in the modeller it was drawn with.")
    written = write_drawing(load_sop(file), out)
    click.echo(f"wrote {written}")
