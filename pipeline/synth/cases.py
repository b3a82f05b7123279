"""Playing one case: its path, the deviation injected into it, and the working minute of each
event, with staff on leave causing backlogs.

Times are working-minute positions of a :class:`~pipeline.synth.clock.Clock`. A step with a
*mutu baku* time takes a lognormal share of it (median 40 %, never more than 85 %); a step of
``N hari kerja`` is also kept inside working day N. Steps without a time standard take what
their nature asks (the applicant coming back, collecting the document, paying). The event that
stops the service-standard clock is kept inside the promise unless ``sla_breach`` was injected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from pipeline.durations import Duration
from pipeline.synth.clock import Clock
from pipeline.synth.paths import Edge, Flow

T = TypeVar("T")
DAY = 450  # working minutes in a default working day (7.5 h)
FOREIGN: dict[str, tuple[str, ...]] = {
    "kk-baru": ("CETAK_ULANG", "KOREKSI_DATA"),
    "akta-kelahiran": ("CETAK_ULANG", "KOREKSI_DATA"),
    "ktp-el": ("CETAK_ULANG", "KOREKSI_DATA"),
    "kenaikan-pangkat-reguler": ("KOREKSI_DATA",),
    "pbg": ("SURVEI_LAPANGAN", "KOREKSI_DATA"),
}
EVENING_SHARE = 0.04  # share of eligible e-signatures made in the evening (mobile TTE)


class Draws:
    """Uniform and normal numbers from one seeded generator, drawn in blocks for speed."""

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16) -> None:
        self.rng, self.block = rng, block
        self._u: list[float] = []
        self._n: list[float] = []

    def uniform(self) -> float:
        if not self._u:
            self._u = self.rng.random(self.block).tolist()
        return self._u.pop()

    def normal(self) -> float:
        if not self._n:
            self._n = self.rng.standard_normal(self.block).tolist()
        return self._n.pop()

    def integer(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        return low + min(int(self.uniform() * (high - low + 1)), high - low)

    def pick(self, items: Sequence[T]) -> T:
        return items[self.integer(0, len(items) - 1)]


@dataclass
class Slot:
    """One step of a case's path (or a foreign event), with its time and doer once played."""

    step: str
    silent: bool = False
    foreign: bool = False
    pair_cap: int | None = None  # wrong_order pair: both slots kept this short
    swap: bool = False  # swap label and doer with the next recorded slot after timing
    overtime: bool = False
    pos: int = 0
    resource: str | None = None
    role: str | None = None
    evening: bool = False


@dataclass
class Staffing:
    """Who can do what, and who is away on which working day."""

    pools: dict[tuple[str, str], list[str]]  # (office, role) -> NIPs
    role_of: dict[str, str]
    away: dict[str, frozenset[int]] = field(default_factory=dict)  # NIP -> working-day indices

    def available(self, office: str, role: str, day: int) -> list[str]:
        return [p for p in self.pools.get((office, role), []) if day not in self.away.get(p, ())]


@dataclass
class Played:
    slots: list[Slot]
    truth: list[tuple[str, str]]  # (jenis, langkah) known from the structure
    code: str | None


def budget(w: Duration | None) -> int | None:
    """The time standard as working minutes (N hari kerja as N working days of 7.5 h)."""
    if w is None:
        return None
    if w.kind == "working_days":
        return w.days * DAY
    if w.kind == "working":
        return max(1, round(w.seconds / 60))
    return max(1, round(w.seconds / 60 * DAY / 1440))


class Player:
    """Plays cases of one office's services on one clock."""

    def __init__(self, clock: Clock, staffing: Staffing, draws: Draws) -> None:
        self.clock, self.staffing, self.d = clock, staffing, draws

    # --- structure ---

    def plan(self, flow: Flow, code: str | None) -> Played:
        for _ in range(40):
            played = self._try(flow, code)
            if played is not None:
                return played
        clean = self._try(flow, None)
        assert clean is not None
        return clean

    def _try(self, flow: Flow, code: str | None) -> Played | None:
        d = self.d
        over: Edge | None = None
        rule: tuple[str, str] | None = None  # ("before", A) or ("max", A)
        if code == "rework_over_limit":
            over = d.pick(flow.bounded)
        elif code == "rule_violation":
            rules = [("before", a) for a, _ in flow.before] + [("max", a) for a, _ in flow.max_times]
            rule = d.pick(rules)
            if rule[0] == "max":
                edges = over_edges(flow, rule[1])
                if not edges:
                    return None
                over = d.pick(edges)
        path = flow.walk(d.uniform, over)
        if path is None:
            return None
        slots = [Slot(s, silent=s in flow.silent) for s in path]
        truth: list[tuple[str, str]] = []
        for edge, n in flow.returns(path).items():
            if edge in flow.bounded and n > flow.caps[edge]:
                truth.append(("rework_over_limit", edge[0]))
        ok = True
        if code == "skipped_step" or (rule is not None and rule[0] == "before"):
            ok = self._skip(flow, slots, truth, rule[1] if rule else None)
        elif code == "extra_step":
            ok = self._extra(flow, slots, truth)
        elif code == "wrong_order":
            ok = self._swap(flow, slots, truth)
        elif code == "step_overtime":
            ok = self._overtime(flow, slots)
        elif code in ("wrong_role", "segregation_of_duties"):
            ok = bool(internal_slots(flow, slots)) if code == "wrong_role" else any(
                has(slots, a) and has(slots, b) for a, b in flow.pairs)
        if not ok:
            return None
        return Played(slots, truth, code)

    def _skip(self, flow: Flow, slots: list[Slot], truth: list[tuple[str, str]],
              only: str | None) -> bool:
        rec = [s for s in slots if not s.silent]
        counts = count(rec)
        firsts = {a for a, _ in flow.before}
        fixed = {rec[0].step, flow.mulai, flow.selesai, *flow.ends}
        if only is None:
            options = [s for s in rec[1:] if counts[s.step] == 1 and s.step not in fixed
                       and s.step not in firsts]
        else:
            options = [s for s in rec[1:] if s.step == only and counts[only] == 1
                       and s.step not in fixed and any(b.step == later for b in rec
                                                       for a, later in flow.before if a == only)]
        options = [s for s in options if not flow.accepts([r.step for r in rec if r is not s])]
        if not options:
            return False
        gone = self.d.pick(options)
        slots.remove(gone)
        truth.append(("skipped_step", gone.step))
        return True

    def _extra(self, flow: Flow, slots: list[Slot], truth: list[tuple[str, str]]) -> bool:
        rec = [i for i, s in enumerate(slots) if not s.silent]
        if len(rec) < 2:
            return False
        at = rec[self.d.integer(0, len(rec) - 2)] + 1
        label = self.d.pick(FOREIGN.get(flow.sop.layanan, ("KOREKSI_DATA",)))
        slots.insert(at, Slot(label, foreign=True))
        truth.append(("extra_step", ""))
        return True

    def _swap(self, flow: Flow, slots: list[Slot], truth: list[tuple[str, str]]) -> bool:
        rec = [s for s in slots if not s.silent]
        counts = count(rec)
        fixed = {rec[0].step, flow.mulai, flow.selesai, *flow.ends}
        labels = [s.step for s in rec]
        options = []
        for k in range(1, len(rec) - 1):
            x, y = rec[k], rec[k + 1]
            if (counts[x.step] == 1 and counts[y.step] == 1 and not fixed & {x.step, y.step}
                    and (x.step, y.step) not in flow.before
                    and not flow.accepts([*labels[:k], y.step, x.step, *labels[k + 2:]])):
                options.append(k)
        if not options:
            return False
        k = self.d.pick(options)
        x, y = rec[k], rec[k + 1]
        caps = [b for b in (budget(flow.steps[x.step].mutu_baku.waktu),
                            budget(flow.steps[y.step].mutu_baku.waktu)) if b]
        cap = max(1, min(20, math.floor(0.8 * min(caps)))) if caps else 20
        x.pair_cap = y.pair_cap = cap
        x.swap = True
        truth.append(("wrong_order", y.step))
        return True

    def _overtime(self, flow: Flow, slots: list[Slot]) -> bool:
        rec = [s for s in slots if not s.silent]
        stop = stop_slot(flow, slots)
        options = [s for s in rec[1:] if s is not stop
                   and flow.steps[s.step].mutu_baku.waktu is not None
                   and flow.steps[s.step].mutu_baku.waktu.kind != "calendar"]  # type: ignore[union-attr]
        if not options:
            return False
        self.d.pick(options).overtime = True
        return True

    # --- time ---

    def play_times(self, flow: Flow, office: str, played: Played, arrival: int) -> None:
        """Give every slot its working minute and its doer."""
        d, clock = self.d, self.clock
        slots = played.slots
        stop = stop_slot(flow, slots)
        breach = played.code == "sla_breach" and flow.promise is not None
        slack = slack_slot(flow, slots, stop) if breach else None
        promise = flow.promise
        mulai_pos: int | None = None
        prev = arrival
        for i, s in enumerate(slots):
            step = None if s.foreign else flow.steps[s.step]
            if i == 0:
                pos = arrival
            elif s.silent:
                pos = prev
            elif s.foreign:
                pos = prev + d.integer(3, 25)
            elif s.pair_cap is not None:
                pos = prev + d.integer(1, s.pair_cap)
            else:
                assert step is not None
                w = step.mutu_baku.waktu
                cap = budget(w)
                if s is slack and promise is not None:
                    n = promise.days if promise.kind == "working_days" else (budget(promise) or DAY) // DAY
                    pos = prev + (n + d.integer(2, 5)) * DAY + d.integer(0, 200)
                elif s.overtime and w is not None and w.kind == "working_days":
                    pos = clock.open_of(clock.day_of(prev) + w.days + d.integer(2, 4)) + d.integer(30, 300)
                elif s.overtime and cap is not None:
                    pos = prev + round(cap * (2.2 + 1.8 * d.uniform())) + 30
                elif cap is not None:
                    share = min(0.85, 0.4 * math.exp(0.45 * d.normal()))
                    pos = prev + max(1, math.floor(cap * share))
                    if w is not None and w.kind == "working_days":
                        last = clock.close_of(clock.day_of(prev) + w.days)
                        if pos >= last:
                            pos = max(prev + 1, last - d.integer(5, 60))
                else:
                    pos = prev + self._free_time(flow, s.step)
            if s is stop and not breach and not s.overtime and promise is not None:
                pos = self._inside_promise(promise, prev, pos,
                                           mulai_pos if mulai_pos is not None else arrival)
            if step is not None and not s.silent:
                role = step.pelaksana
                if flow.sop.role(role).eksternal:
                    s.role = role
                else:
                    pos = self._staff(s, office, role, pos)
            elif s.foreign:
                pos = self._staff(s, office, self._any_role(office), pos)
            if step is not None and step.id == flow.mulai and not s.silent:
                mulai_pos = pos
            s.pos = pos
            prev = pos
        self._evenings(flow, slots)

    def _free_time(self, flow: Flow, step: str) -> int:
        d = self.d
        if step == flow.start:  # the applicant comes back with what was missing
            return d.integer(1, 5) * DAY + d.integer(0, 200)
        if step == "bayar":
            return d.integer(DAY // 2, 4 * DAY)
        if step in flow.ends:  # collecting the document
            return max(5, round(300 * math.exp(0.9 * d.normal())))
        return d.integer(5, 60)

    def _inside_promise(self, promise: Duration, prev: int, pos: int, mulai: int) -> int:
        clock = self.clock
        if promise.kind == "working_days":
            due = clock.close_of(clock.day_of(mulai) + promise.days)
        elif promise.kind == "working":
            due = mulai + round(promise.seconds / 60)
        else:
            return pos
        if pos > due - 5 and prev + 1 <= due - 5:
            return prev + 1 + int(self.d.uniform() * (due - 5 - prev))
        return pos

    def _any_role(self, office: str) -> str:
        roles = sorted({r for o, r in self.staffing.pools if o == office})
        return str(self.d.pick(roles))

    def _staff(self, s: Slot, office: str, role: str, pos: int) -> int:
        """Pick a doer who is at work that day; when all are on leave the work waits."""
        clock, staffing = self.clock, self.staffing
        day = clock.day_of(pos)
        here = staffing.available(office, role, day)
        if not here and staffing.pools.get((office, role)):
            while not here:
                day += 1
                here = staffing.available(office, role, day)
            pos = max(pos, clock.open_of(day) + self.d.integer(20, 200))
        s.resource = self.d.pick(here) if here else None
        s.role = role
        return pos

    def _evenings(self, flow: Flow, slots: list[Slot]) -> None:
        """A few e-signatures by the head of office happen in the evening (mobile TTE)."""
        clock = self.clock
        rec = [s for s in slots if not s.silent]
        for k in range(1, len(rec) - 1):
            s = rec[k]
            if s.foreign or s.swap or s.pair_cap is not None or s.role != "kadis":
                continue
            w = flow.steps[s.step].mutu_baku.waktu
            if w is None or w.kind != "working_days" or s is stop_slot(flow, slots):
                continue
            day = clock.day_of(s.pos)
            if (clock.day_of(rec[k - 1].pos) == day < clock.day_of(rec[k + 1].pos)
                    and self.d.uniform() < EVENING_SHARE):
                s.evening = True


# --- small helpers --------------------------------------------------------------------------


def count(slots: list[Slot]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in slots:
        out[s.step] = out.get(s.step, 0) + 1
    return out


def has(slots: list[Slot], step: str) -> bool:
    return any(s.step == step and not s.foreign for s in slots)


def internal_slots(flow: Flow, slots: list[Slot]) -> list[Slot]:
    return [s for s in slots if not s.silent and not s.foreign
            and not flow.sop.role(flow.steps[s.step].pelaksana).eksternal]


def stop_slot(flow: Flow, slots: list[Slot]) -> Slot | None:
    """The event that stops the service-standard clock: the first ``selesai``, else the end."""
    for s in slots:
        if s.step == flow.selesai and not s.silent and not s.foreign:
            return s
    rec = [s for s in slots if not s.silent and not s.foreign]
    return rec[-1] if rec and slots[-1].step in flow.ends else None


def slack_slot(flow: Flow, slots: list[Slot], stop: Slot | None) -> Slot | None:
    """Where an SLA breach is put: the last step without a time standard in the clock's span."""
    if stop is None:
        return None
    end = slots.index(stop)
    begin = 0
    if flow.mulai:
        marks = [i for i, s in enumerate(slots[:end]) if s.step == flow.mulai]
        begin = marks[-1] if marks else 0
    for s in reversed(slots[begin + 1:end + 1]):
        if not s.silent and not s.foreign and flow.steps[s.step].mutu_baku.waktu is None:
            return s
    return stop


def over_edges(flow: Flow, step: str) -> list[Edge]:
    """Bounded return edges whose loop repeats ``step`` (to break a maks_kali rule)."""
    out = []
    for edge in flow.bounded:
        target = next(t for t, e in flow.targets(edge[0]) if e == edge)
        dist = flow.distance_to(edge[0])
        if step in (target, edge[0]) or (step in dist and target in flow.distance_to(step)):
            out.append(edge)
    return out
