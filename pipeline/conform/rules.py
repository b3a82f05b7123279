"""The deviation codes, and the SOP's ``aturan`` that depend only on the order of activities.

Each code is a small value (:class:`Code`): its name in ``deviations.csv``, where it is found
(``variant``: from the activities alone, once per variant; ``case``: needs resources or times,
checked per case, set-based) and its label (in :mod:`pipeline.texts`, key ``label_<code>``).

A sequence rule is a function ``check(rule, view, trace, language) -> list[RuleHit]``, listed in
:data:`SEQUENCE_RULES` under the rule's class. Adding a rule type: one class in
:mod:`pipeline.sop.model`, one function here, one test block, one paragraph in
``docs/conformance.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.sop import MaksKali, WajibSebelum
from pipeline.texts import text

if TYPE_CHECKING:
    from pipeline.conform.model import ModelView


@dataclass(frozen=True)
class Code:
    code: str
    level: str  # "variant" or "case"

    def label(self, language: str = "id") -> str:
        return text(f"label_{self.code}", language)


CODES: tuple[Code, ...] = (
    Code("skipped_step", "variant"),
    Code("extra_step", "variant"),
    Code("wrong_order", "variant"),
    Code("rework_over_limit", "variant"),
    Code("wrong_role", "case"),
    Code("segregation_of_duties", "case"),
    Code("rule_violation", "variant"),
    Code("step_overtime", "case"),
    Code("sla_breach", "case"),
)
CODE_NAMES: tuple[str, ...] = tuple(c.code for c in CODES)


@dataclass(frozen=True)
class RuleHit:
    """A broken rule in a variant: the step named, the event concerned (-1: none), every
    step the rule speaks about, and the sentence."""

    langkah: str
    event: int
    steps: tuple[str, ...]
    keterangan: str


def wajib_sebelum(rule: WajibSebelum, view: ModelView, trace: Sequence[str],
                  language: str = "id") -> list[RuleHit]:
    """``langkah`` must occur before the first ``sebelum``, in every case that has ``sebelum``.
    The hit names the step required (``langkah``) at the event of ``sebelum``."""
    if rule.sebelum not in trace:
        return []
    first = trace.index(rule.sebelum)
    if rule.langkah in trace[:first]:
        return []
    return [RuleHit(rule.langkah, first, (rule.langkah, rule.sebelum), text(
        "wajib_sebelum", language, langkah=rule.langkah, sebelum=rule.sebelum))]


def maks_kali(rule: MaksKali, view: ModelView, trace: Sequence[str],
              language: str = "id") -> list[RuleHit]:
    """``langkah`` may occur at most ``maks`` times; the hit is at the first one too many."""
    positions = [i for i, a in enumerate(trace) if a == rule.langkah]
    if len(positions) <= rule.maks:
        return []
    return [RuleHit(rule.langkah, positions[rule.maks], (rule.langkah,), text(
        "maks_kali", language, step=view.step_words(rule.langkah), kali=len(positions),
        maks=rule.maks))]


SEQUENCE_RULES: dict[type, Callable[..., list[RuleHit]]] = {
    WajibSebelum: wajib_sebelum,
    MaksKali: maks_kali,
}


def describe_codes(language: str = "id") -> list[dict[str, Any]]:
    """Code, level and label of every deviation code (for reports and docs)."""
    return [{"jenis": c.code, "level": c.level, "label": c.label(language)} for c in CODES]
