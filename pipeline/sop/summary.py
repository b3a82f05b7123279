"""The text summary of one model file printed by ``sopmine sop check``."""

from __future__ import annotations

from pathlib import Path

from pipeline.sop.declared import load_model
from pipeline.sop.model import Sop
from pipeline.sop.net import check_soundness
from pipeline.sop.validate import promise_check, sop_warnings


def count_paths(sop: Sop) -> int:
    """Paths from the start to an end without taking a return (``kembali``) arrow."""
    memo: dict[str, int] = {}

    def paths(step_id: str) -> int:
        if step_id not in memo:
            step = sop.step(step_id)
            forward = [t for t, kembali in step.edges() if not kembali]
            memo[step_id] = 1 if step.is_end else sum(paths(t) for t in forward)
        return memo[step_id]

    return paths(sop.start.id)


def summarise(path: str | Path) -> list[str]:
    """Lines describing the model; raises SopError if it is wrong or unusable."""
    model = load_model(path)
    sound = check_soundness(model.net)
    when = model.tanggal_efektif or "every date"
    lines = [f"{path}: {model.name} (layanan {model.layanan}, in force from {when})"]
    sop = model.sop
    if sop is None:
        lines.append(f"  activities: {len(model.activities)}; roles from lanes or side file: "
                     f"{len(set(model.roles.values()))}")
    else:
        decisions = sum(1 for s in sop.langkah if s.simbol == "keputusan")
        returns = sum(1 for s in sop.langkah for c in s.cabang if c.kembali)
        lines.append(f"  steps: {len(sop.langkah)} ({decisions} decisions, {returns} return "
                     f"arrows); roles: {', '.join(p.id for p in sop.pelaksana)}")
        lines.append(f"  paths start to end without rework: {count_paths(sop)}; "
                     f"ends: {', '.join(s.id + '=' + (s.hasil or 'selesai') for s in sop.ends)}")
        check = promise_check(sop)
        promise = check.promise.text if check.promise else "none"
        lines.append(f"  fastest path {' > '.join(check.path)}: {check.days:.2f} hari kerja "
                     f"of step time; promise: {promise}")
        lines += [f"  WARNING {w}" for w in sop_warnings(sop)]
    verdict = "sound workflow net" if sound.sound else "NOT sound: " + "; ".join(sound.problems)
    lines.append(f"  Petri net: {len(model.net.places)} places, {len(model.net.transitions)} "
                 f"transitions, {sound.states} states, {verdict}")
    return lines
