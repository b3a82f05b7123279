"""Walking an SOP's flowchart: the path a case takes, and whether a log trace is allowed.

A :class:`Flow` is an SOP prepared for walking. :meth:`Flow.walk` plays one case: at every
decision it picks a branch by weight, never takes a return edge more often than its
``maks_ulang`` (return edges without a bound at most twice, for realism) and never enters a part
of the flow from which no end can be reached any more. ``over=(step, branch)`` makes a walk take
that return edge exactly ``maks_ulang + 1`` times (the ``rework_over_limit`` injection).
:meth:`Flow.accepts` says whether a sequence of recorded labels is a path the SOP allows (silent
``dicatat: false`` steps may be passed without a label).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Sequence

from pipeline.sop.model import MaksKali, PemisahanTugas, Sop, WajibSebelum

#: (layanan, decision step, branch label) -> weight; other branches: see Flow.weight
BRANCH_WEIGHTS: dict[tuple[str, str, str], float] = {
    ("ktp-el", "verifikasi_pusat", "Duplicate record"): 0.03,
    ("kenaikan-pangkat-reguler", "verifikasi_bkn", "MS"): 0.80,
    ("kenaikan-pangkat-reguler", "verifikasi_bkn", "BTS"): 0.15,
    ("kenaikan-pangkat-reguler", "verifikasi_bkn", "TMS"): 0.05,
    ("kenaikan-pangkat-reguler", "cek_perbaikan", "Tidak sesuai"): 0.10,
    ("pbg", "periksa_teknis", "Memenuhi standar teknis"): 0.55,
    ("pbg", "periksa_teknis", "Perlu perbaikan"): 0.40,
    ("pbg", "periksa_teknis", "Ditolak"): 0.05,
    ("pbg", "perbaiki", "Tidak diunggah"): 0.05,
}
UNBOUNDED_CAP = 2  # a return edge without maks_ulang is taken at most this often
Edge = tuple[str, int]  # (decision step id, branch index)


class Flow:
    """One SOP version, ready to walk."""

    def __init__(self, sop: Sop) -> None:
        self.sop = sop
        self.steps = {s.id: s for s in sop.langkah}
        self.start = sop.start.id
        self.ends = frozenset(s.id for s in sop.ends)
        self.silent = frozenset(s.id for s in sop.langkah if not s.dicatat)
        self.caps: dict[Edge, int] = {}
        for s in sop.langkah:
            for k, c in enumerate(s.cabang):
                if c.kembali:
                    self.caps[(s.id, k)] = c.maks_ulang if c.maks_ulang is not None else UNBOUNDED_CAP
        self.bounded: tuple[Edge, ...] = tuple(
            (s.id, k) for s in sop.langkah for k, c in enumerate(s.cabang)
            if c.kembali and c.maks_ulang is not None)
        self.pairs = tuple(a.langkah for a in sop.aturan if isinstance(a, PemisahanTugas))
        self.before = tuple((a.langkah, a.sebelum) for a in sop.aturan if isinstance(a, WajibSebelum))
        self.max_times = tuple((a.langkah, a.maks) for a in sop.aturan if isinstance(a, MaksKali))
        std = sop.standar_pelayanan
        self.promise = std.jangka_waktu
        self.mulai = std.mulai
        self.selesai = std.selesai
        self._live: dict[frozenset[Edge], frozenset[str]] = {}
        self._dist: dict[str, dict[str, int]] = {}

    # --- graph helpers ---

    def targets(self, step: str) -> list[tuple[str, Edge | None]]:
        s = self.steps[step]
        if s.berikut is not None:
            return [(s.berikut, None)]
        return [(c.ke, (step, k)) for k, c in enumerate(s.cabang)]

    def live(self, closed: frozenset[Edge]) -> frozenset[str]:
        """Steps from which an end can be reached without the closed edges."""
        if closed not in self._live:
            alive = set(self.ends)
            changed = True
            while changed:
                changed = False
                for step in self.steps:
                    if step not in alive and any(
                        t in alive and e not in closed for t, e in self.targets(step)
                    ):
                        alive.add(step)
                        changed = True
            self._live[closed] = frozenset(alive)
        return self._live[closed]

    def distance_to(self, goal: str) -> dict[str, int]:
        """Fewest arrows from each step to ``goal``."""
        if goal not in self._dist:
            back: dict[str, list[str]] = {s: [] for s in self.steps}
            for s in self.steps:
                for t, _ in self.targets(s):
                    back[t].append(s)
            dist = {goal: 0}
            queue = deque([goal])
            while queue:
                node = queue.popleft()
                for p in back[node]:
                    if p not in dist:
                        dist[p] = dist[node] + 1
                        queue.append(p)
            self._dist[goal] = dist
        return self._dist[goal]

    def weight(self, step: str, k: int) -> float:
        c = self.steps[step].cabang[k]
        key = (self.sop.layanan, step, c.label)
        if key in BRANCH_WEIGHTS:
            return BRANCH_WEIGHTS[key]
        if c.kembali:
            return 0.07 if c.maks_ulang is not None else 0.05
        return 1.0 if k == 0 else 0.03

    # --- playing a case ---

    def walk(self, uniform: Callable[[], float], over: Edge | None = None) -> list[str] | None:
        """A path of step ids from the start to an end, or None when the walk got stuck."""
        caps = dict(self.caps)
        if over is not None:
            caps[over] = self.caps[over] + 1
        used: dict[Edge, int] = {}
        path = [self.start]
        while path[-1] not in self.ends:
            if len(path) > 120:
                return None
            step = path[-1]
            closed = frozenset(e for e, n in used.items() if n >= caps[e])
            alive = self.live(closed)
            options = [(t, e) for t, e in self.targets(step)
                       if t in alive and (e is None or e not in closed)]
            if not options:
                return None
            forcing = over is not None and used.get(over, 0) < caps[over]
            if forcing and over is not None:
                if step == over[0]:
                    chosen = next((o for o in options if o[1] == over), None)
                else:
                    dist = self.distance_to(over[0])
                    near = [o for o in options if o[0] in dist]
                    chosen = min(near, key=lambda o: dist[o[0]]) if near else None
                if chosen is None:
                    return None
            elif len(options) == 1:
                chosen = options[0]
            else:
                w = [self.weight(step, e[1]) if e else 1.0 for _, e in options]
                u = uniform() * sum(w)
                pick = 0
                while pick < len(w) - 1 and u >= w[pick]:
                    u -= w[pick]
                    pick += 1
                chosen = options[pick]
            target, edge = chosen
            if edge is not None and edge in caps:
                used[edge] = used.get(edge, 0) + 1
            path.append(target)
        if over is not None and used.get(over, 0) != caps[over]:
            return None
        return path

    # --- checking a trace ---

    def _closure(self, states: set[str]) -> set[str]:
        """States reachable by passing silent steps (a state = the step just completed)."""
        out = set(states)
        stack = list(states)
        while stack:
            s = stack.pop()
            for t, _ in self.targets(s) if s in self.steps else []:
                if t in self.silent and t not in out:
                    out.add(t)
                    stack.append(t)
        return out

    def accepts(self, labels: Sequence[str]) -> bool:
        """True when the recorded labels are a complete path the SOP allows (loops unbounded)."""
        if not labels:
            return False
        states = self._closure({self.start}) if self.start in self.silent else set()
        if self.start not in self.silent:
            if labels[0] != self.start:
                return False
            states = self._closure({self.start})
            labels = labels[1:]
        for label in labels:
            nxt = {t for s in states for t, _ in self.targets(s) if t == label}
            if not nxt:
                return False
            states = self._closure(nxt)
        return bool(states & self.ends)

    def recorded(self, path: Sequence[str]) -> list[str]:
        return [s for s in path if s not in self.silent]

    def returns(self, path: Sequence[str]) -> dict[Edge, int]:
        """How often each return edge was taken along a path."""
        counts: dict[Edge, int] = {}
        for a, b in itertools.pairwise(path):
            for t, e in self.targets(a):
                if t == b and e is not None and e in self.caps:
                    counts[e] = counts.get(e, 0) + 1
                    break
        return counts
