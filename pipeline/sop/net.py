"""A plain Petri net that every declared model becomes (sop-ap/1, BPMN, PNML), and its checks.

pm4py is not needed here: :mod:`pipeline._pm4py` turns a :class:`Net` into pm4py objects when
alignments are wanted. :func:`check_soundness` explores the reachability graph and says in
words why a net is not a sound workflow net.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

Marking = tuple[tuple[str, int], ...]  # sorted (place, tokens) pairs with tokens > 0


@dataclass(frozen=True)
class Transition:
    """``label`` is the activity (an SOP step id); ``None`` is a silent transition."""

    id: str
    label: str | None


@dataclass(frozen=True)
class Net:
    name: str
    places: tuple[str, ...]
    transitions: tuple[Transition, ...]
    arcs: tuple[tuple[str, str], ...]
    initial: Mapping[str, int] = field(default_factory=dict)
    final: Mapping[str, int] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        """Visible activity labels, sorted, each once."""
        return tuple(sorted({t.label for t in self.transitions if t.label is not None}))

    def preset(self, node: str) -> tuple[str, ...]:
        return tuple(a for a, b in self.arcs if b == node)

    def postset(self, node: str) -> tuple[str, ...]:
        return tuple(b for a, b in self.arcs if a == node)

    @cached_property
    def _transition_arcs(self) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        return {t.id: (self.preset(t.id), self.postset(t.id)) for t in self.transitions}

    def shortest_visible_run(self, max_states: int = 200_000) -> int:
        """The fewest visible transitions on a run from the initial to the final marking
        (what aligning an empty trace costs): a 0-1 breadth-first search over the markings,
        silent transitions free. ValueError when the final marking is not reachable."""
        start, final = _key(self.initial), _key(self.final)
        best = {start: 0}
        todo: deque[tuple[int, Marking]] = deque([(0, start)])
        while todo:
            cost, here = todo.popleft()
            if cost > best.get(here, cost):
                continue
            if here == final:
                return cost
            tokens = dict(here)
            for t in self.transitions:
                after = self.fire(tokens, t.id)
                if after is None:
                    continue
                key, step = _key(after), (1 if t.label is not None else 0)
                if cost + step < best.get(key, cost + step + 1):
                    if len(best) > max_states:
                        raise ValueError(f"{self.name}: more than {max_states} markings")
                    best[key] = cost + step
                    if step:
                        todo.append((cost + 1, key))
                    else:
                        todo.appendleft((cost, key))
        raise ValueError(f"{self.name}: the final marking cannot be reached from the initial one")

    def fire(self, marking: Mapping[str, int], transition: str) -> dict[str, int] | None:
        """The marking after firing ``transition`` in ``marking``; None when not enabled.
        The one firing rule of sopmine: soundness, end steps and the SOP flow all use it."""
        pre, post = self._transition_arcs[transition]
        after = dict(marking)
        for place in pre:
            if after.get(place, 0) < 1:
                return None
            after[place] -= 1
        for place in post:
            after[place] = after.get(place, 0) + 1
        return after


@dataclass(frozen=True)
class Soundness:
    sound: bool
    problems: tuple[str, ...]
    states: int


def _key(marking: Mapping[str, int]) -> Marking:
    return tuple(sorted((p, n) for p, n in marking.items() if n > 0))


def check_soundness(net: Net, max_states: int = 200_000) -> Soundness:
    """Is ``net`` a sound workflow net (van der Aalst): one source, one sink, every node on a
    path between them, always able to finish, finishing cleanly, no dead transitions?"""
    problems = list(_workflow_problems(net))
    if problems:
        return Soundness(False, tuple(problems), 0)
    start, final = _key(net.initial), _key(net.final)
    parents: dict[Marking, Marking | None] = {start: None}
    edges: dict[Marking, list[Marking]] = {}
    fired: set[str] = set()
    queue = deque([start])
    while queue:
        here = queue.popleft()
        tokens = dict(here)
        edges[here] = []
        for t in net.transitions:
            nxt = net.fire(tokens, t.id)
            if nxt is None:
                continue
            key = _key(nxt)
            fired.add(t.id)
            edges[here].append(key)
            if key in parents:
                continue
            if _covers_an_ancestor(key, here, parents):
                return Soundness(False, (f"the net is unbounded: firing '{t.id}' repeatedly "
                                         "piles up tokens",), len(parents))
            parents[key] = here
            if len(parents) > max_states:
                return Soundness(False, (f"more than {max_states} reachable states: "
                                         "not checked",), len(parents))
            queue.append(key)
    problems += _completion_problems(edges, final, dict(net.final))
    dead = [t.id for t in net.transitions if t.id not in fired]
    if dead:
        problems.append(f"dead transitions (can never fire): {', '.join(sorted(dead))}")
    return Soundness(not problems, tuple(problems), len(parents))


def _workflow_problems(net: Net) -> list[str]:
    sources = [p for p in net.places if not net.preset(p)]
    sinks = [p for p in net.places if not net.postset(p)]
    problems = []
    if len(sources) != 1 or dict(net.initial) != {sources[0]: 1}:
        problems.append(f"a workflow net has one source place holding the only initial token; "
                        f"source places: {sources}, initial marking: {dict(net.initial)}")
    if len(sinks) != 1 or dict(net.final) != {sinks[0]: 1}:
        problems.append(f"a workflow net has one sink place as its final marking; "
                        f"sink places: {sinks}, final marking: {dict(net.final)}")
    if problems:
        return problems
    nodes = set(net.places) | {t.id for t in net.transitions}
    forward = _reach(sources[0], net.arcs, reverse=False)
    backward = _reach(sinks[0], net.arcs, reverse=True)
    off = sorted(nodes - (forward & backward))
    if off:
        problems.append(f"not on a path from source to sink: {', '.join(off)}")
    return problems


def _reach(start: str, arcs: tuple[tuple[str, str], ...], reverse: bool) -> set[str]:
    nxt: dict[str, list[str]] = {}
    for a, b in arcs:
        if reverse:
            a, b = b, a
        nxt.setdefault(a, []).append(b)
    seen, todo = {start}, [start]
    while todo:
        for n in nxt.get(todo.pop(), []):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def _covers_an_ancestor(key: Marking, parent: Marking,
                        parents: Mapping[Marking, Marking | None]) -> bool:
    new = dict(key)
    node: Marking | None = parent
    while node is not None:
        old = dict(node)
        if old != new and all(new.get(p, 0) >= n for p, n in old.items()):
            return True
        node = parents[node]
    return False


def _completion_problems(edges: Mapping[Marking, list[Marking]], final: Marking,
                         final_tokens: Mapping[str, int]) -> list[str]:
    problems = []
    back: dict[Marking, list[Marking]] = {}
    for a, targets in edges.items():
        for b in targets:
            back.setdefault(b, []).append(a)
    can_finish = {final} if final in edges else set()
    todo = list(can_finish)
    while todo:
        for m in back.get(todo.pop(), []):
            if m not in can_finish:
                can_finish.add(m)
                todo.append(m)
    stuck = [m for m in edges if m not in can_finish]
    if stuck:
        problems.append(f"{len(stuck)} reachable state(s) cannot finish, e.g. "
                        f"{dict(min(stuck))}")
    unclean = [m for m in edges if m != final
               and all(dict(m).get(p, 0) >= n for p, n in final_tokens.items())]
    if unclean:
        problems.append(f"the case can finish with tokens left behind, e.g. {dict(min(unclean))}")
    return problems
