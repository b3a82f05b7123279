"""Where the time goes: named stages timed while a :class:`Stopwatch` is running.

Library code marks its stages with ``with stage("check/alignments"):``; outside a running
stopwatch that costs one context-variable lookup. ``sopmine run --timings`` (and ``check``,
``ingest``) starts one and prints the table at the end: seconds per stage, the share of the
whole, and the peak resident memory of the process when the stage ended, so the next
bottleneck is visible without a profiler. A stage inside another is indented under it
(names joined by ``/``).
"""

from __future__ import annotations

import contextvars
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

_CURRENT: contextvars.ContextVar[Stopwatch | None] = contextvars.ContextVar(
    "sopmine_stopwatch", default=None)


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class Lap:
    name: str  # full path, e.g. "check/alignments"
    seconds: float = 0.0
    calls: int = 0
    peak_mib: float = 0.0


@dataclass
class Stopwatch:
    """Collects stage times; use :meth:`running` to make it the one :func:`stage` reports to."""

    laps: dict[str, Lap] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    _path: list[str] = field(default_factory=list)

    @contextmanager
    def running(self) -> Iterator[Stopwatch]:
        token = _CURRENT.set(self)
        try:
            yield self
        finally:
            _CURRENT.reset(token)

    def _enter(self, name: str) -> str:
        self._path.append(name)
        return "/".join(self._path)

    def _leave(self, path: str, seconds: float) -> None:
        self._path.pop()
        lap = self.laps.setdefault(path, Lap(path))
        lap.seconds += seconds
        lap.calls += 1
        lap.peak_mib = _peak_mib()

    def total(self) -> float:
        return time.perf_counter() - self.started

    def table(self) -> list[tuple[str, float, float, int, float]]:
        """(indented name, seconds, share of the total, calls, peak MiB) in the order begun."""
        total = self.total() or 1.0
        rows = []
        for path, lap in self.laps.items():
            depth = path.count("/")
            rows.append(("  " * depth + path.rsplit("/", 1)[-1], lap.seconds,
                         lap.seconds / total, lap.calls, lap.peak_mib))
        return rows

    def unstaged(self) -> float:
        """Seconds inside the stopwatch but in no top-level stage: mostly importing pandas,
        DuckDB and pyarrow, and reading settings and SOP models."""
        staged = sum(lap.seconds for path, lap in self.laps.items() if "/" not in path)
        return max(self.total() - staged, 0.0)

    def print(self, out: TextIO | None = None) -> None:
        out = out or sys.stderr
        total = self.total()
        other = "outside the stages (imports, settings, SOP models)"
        width = max([len(r[0]) for r in self.table()] + [len(other)])
        print(f"{'stage':<{width}}  {'seconds':>8}  {'share':>6}  {'calls':>5}  "
              f"{'peak MiB':>8}", file=out)
        for name, seconds, share, calls, peak in self.table():
            print(f"{name:<{width}}  {seconds:8.2f}  {share:6.1%}  {calls:5d}  {peak:8.0f}",
                  file=out)
        print(f"{other:<{width}}  {self.unstaged():8.2f}  {self.unstaged() / (total or 1):6.1%}",
              file=out)
        print(f"{'total':<{width}}  {total:8.2f}  {1:6.1%}  {'':5}  {_peak_mib():8.0f}",
              file=out)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as stage ``name`` of the running stopwatch (nothing when none runs).

    Stages are recorded in the order they begin, so the parent's line is created first."""
    watch = _CURRENT.get()
    if watch is None:
        yield
        return
    path = watch._enter(name)
    watch.laps.setdefault(path, Lap(path))
    begun = time.perf_counter()
    try:
        yield
    finally:
        watch._leave(path, time.perf_counter() - begun)
