"""From one variant's alignment to the deviations an auditor reads (per variant, not per case).

Moves of an optimal alignment (:class:`pipeline.align.Alignment`) become:

- a log move and a model move of the same step: one ``wrong_order`` (the step was done, but
  elsewhere), named at the step done too early;
- any other model move on a recorded step: ``skipped_step``, timed at the next event;
- any other log move: ``extra_step`` (an activity the SOP does not know, or a step out of place);
- a return edge taken more often than its ``maks_ulang``: ``rework_over_limit``.

Then the sequence rules of the SOP (``wajib_sebelum``, ``maks_kali``), which depend only on the
activities, give ``rule_violation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.align import Alignment
from pipeline.conform.model import ModelView
from pipeline.conform.rules import SEQUENCE_RULES
from pipeline.texts import text


@dataclass(frozen=True)
class Finding:
    """A deviation of one variant. ``event``: index of the event concerned (its activity and
    time are reported), -1 for none; ``at``: index of the event whose time is reported."""

    jenis: str
    langkah: str
    event: int
    at: int
    keterangan: str


def _after(trace: Sequence[str], index: int, language: str) -> str:
    if index <= 0:
        return text("at_start", language)
    return text("after", language, aktivitas=trace[index - 1])


def flow_findings(view: ModelView, trace: Sequence[str], alignment: Alignment,
                  language: str = "id") -> list[Finding]:
    """Skipped, extra and misplaced steps and rework over its limit, from the moves."""
    moves = alignment.moves
    labels = view.label_of
    logs = [(pos, index) for pos, (index, t) in enumerate(moves) if t == ""]
    models = [(pos, t) for pos, (index, t) in enumerate(moves)
              if index < 0 and labels.get(t) is not None]
    paired_models: set[int] = set()
    findings: list[Finding] = []
    extras: list[tuple[int, int]] = []
    for pos, index in logs:
        activity = trace[index]
        candidates = [(abs(mpos - pos), mpos) for mpos, t in models
                      if labels[t] == activity and mpos not in paired_models]
        if candidates:
            mpos = min(candidates)[1]
            paired_models.add(mpos)
            findings.append(_wrong_order(view, trace, moves, activity, index, pos, mpos,
                                         language))
        else:
            extras.append((pos, index))
    for _, index in extras:
        activity = trace[index]
        if activity in view.activities:
            sentence = text("extra_step", language, aktivitas=activity,
                            sesudah=_after(trace, index, language))
            findings.append(Finding("extra_step", activity, index, index, sentence))
        else:
            findings.append(Finding("extra_step", "", index, index, text(
                "extra_step_unknown", language, aktivitas=activity)))
    for pos, t in models:
        if pos in paired_models:
            continue
        step = labels[t] or ""
        findings.append(Finding("skipped_step", step, -1, _next_event(moves, pos, len(trace)),
                                text("skipped_step", language, step=view.step_words(step))))
    findings += _rework(view, moves, language)
    return findings


def _wrong_order(view: ModelView, trace: Sequence[str], moves: Sequence[tuple[int, str]],
                 activity: str, index: int, pos: int, mpos: int, language: str) -> Finding:
    """A step done at the wrong place, shown as a log move (at ``pos``, event ``index``) and a
    model move of the same step (at ``mpos``). Named is the step done too early: the first
    event after the model move when the step came late, else the step itself; the sentence
    names the step it jumped ahead of."""
    n = len(trace)
    if mpos < pos:
        early, before = _next_event(moves, mpos, n), activity
    else:
        early, before = index, trace[min(_next_event(moves, pos + 1, n), n - 1)]
    step = trace[early]
    return Finding("wrong_order", step, early, early, text(
        "wrong_order", language, step=view.step_words(step), sebelum=before))


def _next_event(moves: Sequence[tuple[int, str]], pos: int, n: int) -> int:
    """The event at or after alignment position ``pos`` (else the last event)."""
    for index, _ in moves[pos:]:
        if index >= 0:
            return index
    return n - 1


def _previous_event(moves: Sequence[tuple[int, str]], pos: int) -> int:
    for index, _ in reversed(moves[:pos]):
        if index >= 0:
            return index
    return -1


def _rework(view: ModelView, moves: Sequence[tuple[int, str]], language: str) -> list[Finding]:
    out = []
    for edge in view.returns:
        if edge.maks_ulang is None:
            continue
        taken = [pos for pos, (_, t) in enumerate(moves) if t == edge.transition]
        if len(taken) > edge.maks_ulang:
            event = _previous_event(moves, taken[edge.maks_ulang])
            out.append(Finding("rework_over_limit", edge.langkah, event, event, text(
                "rework_over_limit", language, step=view.step_words(edge.langkah),
                ke=edge.ke, kali=len(taken), maks=edge.maks_ulang)))
    return out


def variant_findings(view: ModelView, trace: Sequence[str], alignment: Alignment,
                     language: str = "id") -> list[Finding]:
    """Every deviation of a variant that depends on its activities alone: the flow's, then
    the broken sequence rules (each rule is an explicit control of the SOP, so it is reported
    even where the flow deviations already show the same event, e.g. a skipped step that a
    ``wajib_sebelum`` rule requires)."""
    findings = flow_findings(view, trace, alignment, language)
    if view.sop is None:
        return findings
    for rule in view.sop.aturan:
        check = SEQUENCE_RULES.get(type(rule))
        if check is None:
            continue
        for hit in check(rule, view, trace, language):
            findings.append(Finding("rule_violation", hit.langkah, hit.event, hit.event,
                                    hit.keterangan))
    return findings
