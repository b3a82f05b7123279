"""Days off of the ``holidays`` package, kept on disk so that a check need not import it.

Importing ``holidays`` and building its country registry takes ~0.35 s, paid by every
``sopmine check`` and ``run`` for a table that changes only with the package's version. The
first call for a (country, categories) computes years :data:`FIRST_YEAR`-:data:`LAST_YEAR` (and
any years asked outside them) and writes them to
``$SOPMINE_CACHE_DIR`` (default ``$XDG_CACHE_HOME/sopmine`` or ``~/.cache/sopmine``) as
``holidays-VERSION-COUNTRY-CATEGORIES.json``; later processes read that file. A new version of
the package means a new file, so the table is always the installed package's. A cache that
cannot be read or written is ignored: the package answers instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path

FIRST_YEAR, LAST_YEAR = 2000, 2050


@cache
def version() -> str:
    """The installed ``holidays`` package's version, read without importing it."""
    return metadata.version("holidays")


def cache_dir() -> Path | None:
    """Where the table is kept; None when there is no home folder to put it in."""
    if os.environ.get("SOPMINE_CACHE_DIR"):
        return Path(os.environ["SOPMINE_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "sopmine"
    try:
        return Path.home() / ".cache" / "sopmine"
    except RuntimeError:  # no HOME and no passwd entry (a container's arbitrary user)
        return None


def _file(country: str, categories: tuple[str, ...]) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"holidays-{version()}-{country}-{'+'.join(categories)}.json"


def _from_package(country: str, categories: tuple[str, ...],
                  first: int, last: int) -> dict[dt.date, str]:
    import holidays  # ~0.35 s with the registry: only on a cache miss

    found = holidays.country_holidays(country, years=range(first, last + 1),
                                      categories=categories)
    return dict(found.items())


@cache
def _table(country: str, categories: tuple[str, ...]) -> tuple[int, int, dict[dt.date, str]]:
    """(first year, last year, days off) for the years on disk, computing them when missing.
    Raises what the package raises for an unknown country or category."""
    path = _file(country, categories)
    if path is not None:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return (int(stored["first"]), int(stored["last"]),
                    {dt.date.fromisoformat(d): str(n) for d, n in stored["days"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # missing or damaged: computed again below
    days = _from_package(country, categories, FIRST_YEAR, LAST_YEAR)
    if path is not None:
        _write(path, json.dumps({"first": FIRST_YEAR, "last": LAST_YEAR,
                                 "days": {d.isoformat(): n for d, n in sorted(days.items())}},
                                ensure_ascii=False))
    return FIRST_YEAR, LAST_YEAR, days


def _write(path: Path, text: str) -> None:
    """Write whole and rename, so a reader never sees half a file; on any failure leave no
    partial file and carry on without the cache."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         suffix=".tmp", delete=False) as out:
            tmp = out.name
            out.write(text)
        os.chmod(tmp, 0o644)  # readable by others sharing the cache folder
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def days_off(country: str, categories: tuple[str, ...], first: int, last: int
             ) -> dict[dt.date, str]:
    """The holidays of ``country`` (only ``categories``) in years ``first``..``last``."""
    lo, hi, days = _table(country, categories)
    if first < lo or last > hi:
        return _from_package(country, categories, first, last)
    return {d: n for d, n in days.items() if first <= d.year <= last}


def check_known(country: str, categories: tuple[str, ...]) -> None:
    """Raise (as the package does) when it does not know ``country`` or ``categories``."""
    _table(country, categories)
