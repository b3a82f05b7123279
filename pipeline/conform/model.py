"""What the checker needs to know about one declared model, worked out once per model.

A :class:`ModelView` wraps a :class:`~pipeline.sop.DeclaredModel` (an sop-ap/1 SOP, or a BPMN
or PNML net) with: the hash that keys its cached alignments, the activities after which a case
can be finished (*end steps*) and the outcome (``hasil``) each one gives, the return (rework)
edges with their ``maks_ulang``, the texts of the steps and roles, and the working calendar
name.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property

from pipeline.align import ALIGNER_VERSION
from pipeline.sop import DeclaredModel, Net, Sop

#: Markings explored at most to find the end steps of a BPMN or PNML net.
MAX_STATES = 50_000


@dataclass(frozen=True)
class ReturnEdge:
    """A ``kembali`` branch of a decision: the silent transition that takes it, and its limit."""

    transition: str
    langkah: str
    ke: str
    maks_ulang: int | None


@dataclass(frozen=True)
class ModelView:
    """One declared model as the checker sees it."""

    model: DeclaredModel
    returns: tuple[ReturnEdge, ...] = field(default=())

    @classmethod
    def of(cls, model: DeclaredModel) -> ModelView:
        returns: list[ReturnEdge] = []
        if model.sop is not None:
            for step in model.sop.langkah:
                for k, branch in enumerate(step.cabang, start=1):
                    if branch.kembali:
                        returns.append(ReturnEdge(f"tau_{step.id}_{k}", step.id, branch.ke,
                                                  branch.maks_ulang))
        return cls(model, tuple(returns))

    @property
    def sop(self) -> Sop | None:
        return self.model.sop

    @property
    def net(self) -> Net:
        return self.model.net

    @cached_property
    def key(self) -> str:
        """Hash of the net, the return edges and the aligner: the alignment cache key."""
        net = self.net
        canonical = {
            "aligner": ALIGNER_VERSION,
            "places": sorted(net.places),
            "transitions": sorted([t.id, t.label] for t in net.transitions),
            "arcs": sorted(list(a) for a in net.arcs),
            "initial": sorted(net.initial.items()),
            "final": sorted(net.final.items()),
            "costly": sorted(r.transition for r in self.returns),
            "targets": list(self.targets),
        }
        text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def costly(self) -> tuple[str, ...]:
        """The silent transitions of the return edges."""
        return tuple(r.transition for r in self.returns)

    @property
    def targets(self) -> tuple[str, ...]:
        """The transitions of the steps that return edges lead back to."""
        return tuple(sorted({f"t_{r.ke}" for r in self.returns}))

    @cached_property
    def label_of(self) -> dict[str, str | None]:
        """Transition id -> its activity (``None`` for a silent transition)."""
        return {t.id: t.label for t in self.net.transitions}

    @property
    def activities(self) -> frozenset[str]:
        return frozenset(self.net.labels)

    def kegiatan(self, langkah: str) -> str:
        """The activity text of a step (empty for a BPMN or PNML activity)."""
        if self.sop is not None and langkah in self.sop.step_ids:
            return self.sop.step(langkah).kegiatan
        return ""

    def step_words(self, langkah: str) -> str:
        """``'validasi' (Memvalidasi draf KK)``, or ``'Send Fine'`` without a kegiatan."""
        kegiatan = self.kegiatan(langkah)
        return f"'{langkah}' ({kegiatan})" if kegiatan else f"'{langkah}'"

    def role_name(self, role: str) -> str:
        if self.sop is not None:
            for p in self.sop.pelaksana:
                if p.id == role:
                    return p.nama
        return role

    @property
    def kalender(self) -> str:
        return self.sop.kalender if self.sop is not None else "default"

    @property
    def label(self) -> str:
        """How cases.csv names the version applied: nomor_sop (or name) and tanggal_efektif."""
        nomor = self.sop.identitas.nomor_sop if self.sop is not None else None
        name = nomor or self.model.name or self.model.layanan
        when = self.model.tanggal_efektif
        return f"{name} ({when.isoformat()})" if when else name

    @cached_property
    def end_steps(self) -> dict[str, str]:
        """Activity -> outcome, for every activity after which the case can be finished
        (the final marking is reachable through silent transitions only)."""
        if self.sop is not None:
            return sop_end_steps(self.sop)
        return {label: "selesai" for label in _net_end_labels(self.net)}


def sop_end_steps(sop: Sop) -> dict[str, str]:
    """Recorded steps that end the case, directly or through unrecorded steps after them."""
    ends: dict[str, str] = {}
    for step in sop.langkah:
        if not step.dicatat:
            continue
        outcome = _silent_outcome(sop, step.id)
        if outcome is not None:
            ends[step.id] = outcome
    return ends


def _silent_outcome(sop: Sop, start: str) -> str | None:
    """The ``hasil`` of the first end reached from ``start`` through unrecorded steps only."""
    seen = {start}
    todo = deque([start])
    while todo:
        step = sop.step(todo.popleft())
        if step.is_end:
            return step.hasil or "selesai"
        for target, _ in step.edges():
            nxt = sop.step(target)
            if not nxt.dicatat and target not in seen:
                seen.add(target)
                todo.append(target)
    return None


Marking = tuple[tuple[str, int], ...]


def _net_end_labels(net: Net) -> set[str]:
    start: Marking = tuple(sorted(net.initial.items()))
    final: Marking = tuple(sorted(net.final.items()))
    seen = {start}
    todo = deque([start])
    fired: list[tuple[str | None, Marking, Marking]] = []
    while todo and len(seen) <= MAX_STATES:
        here = todo.popleft()
        tokens = dict(here)
        for t in net.transitions:
            nxt = net.fire(tokens, t.id)
            if nxt is None:
                continue
            key: Marking = tuple(sorted((p, n) for p, n in nxt.items() if n > 0))
            fired.append((t.label, here, key))
            if key not in seen:
                seen.add(key)
                todo.append(key)
    can_finish = {final}
    changed = True
    while changed:
        changed = False
        for label, before, after in fired:
            if label is None and after in can_finish and before not in can_finish:
                can_finish.add(before)
                changed = True
    return {label for label, _, after in fired if label is not None and after in can_finish}
