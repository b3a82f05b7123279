"""The ``sopmine`` command: thin wrappers over the library, one per verb.

Each command opens the warehouse, calls one library function and prints its result. Errors of
the :class:`~pipeline.errors.PipelineError` tree are caught once, in :func:`main`, and printed
on one line; ``--debug`` shows the traceback. Heavy libraries (pm4py, pandas) are imported
inside the commands that need them, so ``sopmine --help`` stays instant.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from pipeline.errors import PipelineError
from pipeline.settings import Settings, describe, load_settings

#: Commands that live beside their library module: name -> "module:attribute" (loaded lazily).
COMMANDS: dict[str, str] = {
    "ingest": "pipeline.ingest_cli:ingest",
    "quality": "pipeline.ingest_cli:quality",
    "loads": "pipeline.ingest_cli:loads",
    "keygen": "pipeline.ingest_cli:keygen",
    "calendar": "pipeline.calendar_cli:calendar",
    "sop": "pipeline.sop.cli:sop",
    "discover": "pipeline.discover_cli:discover",
    "synth": "pipeline.synth_cli:synth",
    "check": "pipeline.conform_cli:check",
    "run": "pipeline.conform_cli:run",
    "report": "pipeline.report_cli:report",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module, _, attr = COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False), help="Warehouse file (setting 'db').")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False),
              help="Settings file (default ./sopmine.toml if present).")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
@click.option("--timings", is_flag=True,
              help="After the command, print seconds and peak memory per stage (stderr).")
@click.version_option(package_name="sopmine")
@click.pass_context
def cli(ctx: click.Context, db: str | None, settings_file: str | None, debug: bool,
        timings: bool) -> None:
    """sopmine: check public services against their declared SOPs.

    Ingest event logs into a DuckDB warehouse, check them against sop-ap/1 models, discover the
    actual flow and write reports for auditors and the Bupati.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["settings_file"] = settings_file
    ctx.obj["db"] = db
    if timings:
        from pipeline.stopwatch import Stopwatch

        watch = Stopwatch()
        ctx.with_resource(watch.running())
        ctx.call_on_close(watch.print)


def settings_of(ctx: click.Context) -> Settings:
    """The resolved settings of this invocation (settings file, environment, --db)."""
    root = ctx.find_root()
    obj: dict[str, Any] = root.obj or {}
    if "settings" not in obj:
        obj["settings"] = load_settings(obj.get("settings_file")).with_(db=obj.get("db"))
    settings: Settings = obj["settings"]
    return settings


@cli.command("settings")
@click.pass_context
def settings_cmd(ctx: click.Context) -> None:
    """Print every setting with its value and help text."""
    settings = settings_of(ctx)
    click.echo(f"# settings from {settings.source}")
    for name, value, help_text in describe(settings):
        click.echo(f"{name} = {value!r}\n    {help_text}")
    click.echo(f"calendars = {', '.join(sorted(settings.calendars))}")


@cli.command("demo")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Output folder (default reports/demo).")
@click.pass_context
def demo_cmd(ctx: click.Context, out: str | None) -> None:
    """Run the whole pipeline on a generated year of Kepahiang and print the headline figures."""
    from pipeline.demo import PROJECT, run_demo
    from pipeline.ingest.quality import format_quality

    result = run_demo(settings_of(ctx), Path(out)) if out else run_demo(settings_of(ctx))
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(format_quality(result.quality, title="Demo data quality"))
    click.echo(f"services: {', '.join(result.services)}")
    h = result.headline
    if h:
        on_time = f"{h['on_time']:.1%}" if h["on_time"] is not None else "-"
        clean = f"{h['without_deviation']:.1%}" if h["without_deviation"] is not None else "-"
        top = ", ".join(f"{code} ({n:,})" for code, n in h["top"])
        click.echo(f"checked {h['cases']:,} cases ({h['variants']:,} variants): {on_time} finished "
                   f"on time, {clean} without any deviation; {h['deviations']:,} deviations, "
                   f"most often {top}")

    def shown(path: Path) -> Path:
        return path.relative_to(PROJECT) if path.is_relative_to(PROJECT) else path

    click.echo(f"warehouse: {shown(result.warehouse)}")
    click.echo(f"outputs: {len(result.written)} files in {shown(result.out_dir)}")
    if result.report:
        click.echo(f"report: {shown(result.report)}")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sopmine`` script: one line per error, non-zero exit."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="sopmine", standalone_mode=False)
    except PipelineError as exc:
        if debug:
            raise
        click.echo(f"sopmine: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("sopmine: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
