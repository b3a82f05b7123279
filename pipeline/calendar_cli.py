"""CLI command ``sopmine calendar``: show a working calendar's days off, compute a due date."""

from __future__ import annotations

import click

from pipeline.cli import settings_of
from pipeline.errors import ConfigError


@click.group("calendar")
def calendar() -> None:
    """Working calendars: office hours, days off, cuti bersama, due dates."""


@calendar.command("show")
@click.argument("year", type=int)
@click.option(
    "--name", default="default", show_default=True, help="Calendar name ([calendar.NAME])."
)
@click.option("--unit", default=None, help="Apply this unit's overrides.")
@click.pass_context
def show(ctx: click.Context, year: int, name: str, unit: str | None) -> None:
    """List office hours and the weekdays of YEAR the office is closed (or opened)."""
    from pipeline.calendar import calendar_from_settings, days_off, describe_hours

    settings = settings_of(ctx)
    cal = calendar_from_settings(settings, name, unit)
    click.echo(
        f"# calendar {cal.name}{f' (unit {unit})' if unit else ''}: {cal.tz}, "
        f"holidays {cal.holidays_version} {cal.country} {'+'.join(cal.categories)}"
    )
    for line in describe_hours(cal):
        click.echo(line)
    table = days_off(
        cal, year, language=settings.language if settings.language == "id" else "en_US"
    )
    for row in table.itertuples(index=False):
        click.echo(f"{row.date}  {row.date:%a}  {row.kind:<12}  {row.name}")
    click.echo(f"{len(table[table.kind != 'buka'])} weekdays off in {year}")


@calendar.command("due")
@click.argument("start")
@click.argument("promise")
@click.option(
    "--name", default="default", show_default=True, help="Calendar name ([calendar.NAME])."
)
@click.option("--unit", default=None, help="Apply this unit's overrides.")
@click.pass_context
def due(ctx: click.Context, start: str, promise: str, name: str, unit: str | None) -> None:
    """Due instant of PROMISE (e.g. "3 hari kerja") for work started at START (local time)."""
    import pandas as pd

    from pipeline.calendar import calendar_from_settings
    from pipeline.durations import parse_duration

    cal = calendar_from_settings(settings_of(ctx), name, unit)
    try:
        duration = parse_duration(promise)
        when = pd.Timestamp(start)
    except ValueError as exc:
        raise ConfigError(f"{exc}") from None
    click.echo(
        f"{cal.due(when, duration):%Y-%m-%d %H:%M %Z} ({duration.text} from {start}, calendar {cal.name})"
    )
