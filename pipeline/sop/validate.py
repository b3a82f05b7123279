"""Check the flow of a loaded SOP: references, duplicate ids, reachability, loops, the promise.

:func:`validate` raises :class:`~pipeline.errors.SopError` on the first problem, naming file,
line and fix. :func:`sop_warnings` lists what is allowed but suspicious: step times on the
fastest path that already exceed the service-standard promise.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from pipeline.durations import Duration
from pipeline.errors import SopError
from pipeline.sop.loader import suggest
from pipeline.sop.model import Langkah, MaksKali, PemisahanTugas, Sop, WajibSebelum

#: Working hours in one working day (Perpres 21/2023: 37.5 hours over five days).
HOURS_PER_DAY = 7.5


def _fail(sop: Sop, what: str, line: int | None, fix: str) -> NoReturn:
    raise SopError(what, file=sop.file, line=line, fix=fix)


def _unknown_step(sop: Sop, name: str) -> str:
    return f"{suggest(name, sop.step_ids)}Known steps: {', '.join(sop.step_ids)}."


def validate(sop: Sop) -> None:
    """Raise :class:`SopError` for the first reference or flow error of ``sop``."""
    _check_unique(sop, [(p.id, p.line) for p in sop.pelaksana], "pelaksana id")
    _check_unique(sop, [(s.id, s.line) for s in sop.langkah], "step id")
    _check_references(sop)
    _check_reachable(sop)
    _check_loops(sop)


def _check_unique(sop: Sop, ids: Iterable[tuple[str, int]], what: str) -> None:
    seen: dict[str, int] = {}
    for name, line in ids:
        if name in seen:
            _fail(sop, f"{what} '{name}' is used twice (first at line {seen[name]})", line,
                  "Give each one its own id.")
        seen[name] = line


def _check_references(sop: Sop) -> None:
    roles = [p.id for p in sop.pelaksana]
    steps = set(sop.step_ids)
    for s in sop.langkah:
        if s.pelaksana not in roles:
            _fail(sop, f"step '{s.id}' is done by '{s.pelaksana}', which is not a pelaksana",
                  s.lines.get("pelaksana", s.line),
                  f"{suggest(s.pelaksana, roles)}Known roles: {', '.join(roles)}.")
        if s.berikut is not None and s.berikut not in steps:
            _fail(sop, f"step '{s.id}' leads to '{s.berikut}', which is not a step",
                  s.lines.get("berikut", s.line), _unknown_step(sop, s.berikut))
        for c in s.cabang:
            if c.ke not in steps:
                _fail(sop, f"step '{s.id}' branches to '{c.ke}', which is not a step", c.line,
                      _unknown_step(sop, c.ke))
    for rule in sop.aturan:
        names: tuple[str, ...]
        if isinstance(rule, PemisahanTugas):
            names, jenis = rule.langkah, "pemisahan_tugas"
        elif isinstance(rule, WajibSebelum):
            names, jenis = (rule.langkah, rule.sebelum), "wajib_sebelum"
        else:
            assert isinstance(rule, MaksKali)
            names, jenis = (rule.langkah,), "maks_kali"
        for name in names:
            if name not in steps:
                _fail(sop, f"rule {jenis} names '{name}', which is not a step", rule.line,
                      _unknown_step(sop, name))
    sp = sop.standar_pelayanan
    for key, ref in (("mulai", sp.mulai), ("selesai", sp.selesai)):
        if ref is not None and ref not in steps:
            _fail(sop, f"standar_pelayanan.{key} is '{ref}', which is not a step", sp.line,
                  _unknown_step(sop, ref))


def _check_reachable(sop: Sop) -> None:
    forward = {s.id: [t for t, _ in s.edges()] for s in sop.langkah}
    reached = _closure(sop.start.id, forward)
    for s in sop.langkah:
        if s.id not in reached:
            _fail(sop, f"step '{s.id}' cannot be reached from the start step '{sop.start.id}'",
                  s.line, "Point a 'berikut' or 'cabang' of an earlier step to it, or remove it.")
    backward: dict[str, list[str]] = {s.id: [] for s in sop.langkah}
    for source, targets in forward.items():
        for target in targets:
            backward[target].append(source)
    finishing: set[str] = set()
    for end in sop.ends:
        finishing |= _closure(end.id, backward)
    for s in sop.langkah:
        if s.id not in finishing:
            _fail(sop, f"from step '{s.id}' no path leads to an end step", s.line,
                  "Give the loop a way out: a 'cabang' or 'berikut' towards a step without "
                  "'berikut' or 'cabang' (an end terminator).")


def _closure(start: str, edges: dict[str, list[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _check_loops(sop: Sop) -> None:
    """Cycles are allowed only through ``kembali`` edges."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(step: Langkah) -> None:
        state[step.id] = 1
        arrows = [(step.berikut, step.lines.get("berikut", step.line), False)] if step.berikut \
            else [(c.ke, c.line, c.kembali) for c in step.cabang]
        for target, line, kembali in arrows:
            if kembali or target is None:
                continue
            if state.get(target) == 1:
                _fail(sop, f"the arrow from step '{step.id}' to step '{target}' closes a loop "
                      "but is not marked 'kembali'", line,
                      "If it is rework, make it a cabang of a keputusan with 'kembali: true'; "
                      "otherwise point it to a later step.")
            if target not in state:
                visit(sop.step(target))
        state[step.id] = 2

    for s in sop.langkah:
        if s.id not in state:
            visit(s)


@dataclass(frozen=True)
class PromiseCheck:
    """The fastest path the SOP allows between the promise's start and stop, in working days."""

    path: tuple[str, ...]
    days: float
    promise: Duration | None

    @property
    def promise_days(self) -> float | None:
        return None if self.promise is None else in_working_days(self.promise)

    @property
    def exceeded(self) -> bool:
        limit = self.promise_days
        return limit is not None and self.days > limit + 1e-9


def in_working_days(d: Duration) -> float:
    """A duration as working days: 7.5 working hours a day, 5 working days a week."""
    if d.kind == "working_days":
        return float(d.days)
    if d.kind == "working":
        return d.seconds / 3600 / HOURS_PER_DAY
    return d.seconds / 86400 * 5 / 7


def promise_check(sop: Sop) -> PromiseCheck:
    """Fastest forward path from ``mulai`` (excluded) to ``selesai`` (or any successful end)."""
    sp = sop.standar_pelayanan
    origin = sp.mulai or sop.start.id
    goals = {sp.selesai} if sp.selesai else {s.id for s in sop.ends if s.hasil in (None, "selesai")}
    cost = {s.id: in_working_days(s.mutu_baku.waktu) if s.mutu_baku.waktu else 0.0
            for s in sop.langkah}
    queue: list[tuple[float, tuple[str, ...]]] = [(0.0, (origin,))]
    done: set[str] = set()
    while queue:
        days, path = heapq.heappop(queue)
        here = path[-1]
        if here in goals:
            return PromiseCheck(path=path, days=days, promise=sp.jangka_waktu)
        if here in done:
            continue
        done.add(here)
        for target, kembali in sop.step(here).edges():
            if not kembali and target not in done:
                heapq.heappush(queue, (days + cost[target], (*path, target)))
    return PromiseCheck(path=(origin,), days=0.0, promise=sp.jangka_waktu)


def sop_warnings(sop: Sop) -> list[str]:
    """Things allowed but inconsistent, one sentence each, naming file and line."""
    check = promise_check(sop)
    if not check.exceeded:
        return []
    assert check.promise is not None
    return [
        f"{sop.file}, line {sop.standar_pelayanan.line}: the step times on the fastest path "
        f"({' > '.join(check.path)}) add up to {check.days:.2f} hari kerja, more than the "
        f"promise of {check.promise.text}. The SOP is inconsistent with its own service "
        "standard: shorten the step times or revise the promise."
    ]
