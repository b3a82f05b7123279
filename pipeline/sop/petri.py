"""An SOP as a workflow net: one place before each step, one transition per step.

- the transition of a step is labelled by the step id; a ``dicatat: false`` step is silent;
- a decision's transition puts a token in a choice place; one silent transition per branch
  takes it to the branch's target (an exclusive choice; ``kembali`` branches are the loops);
- a source place ``i`` and a silent ``mulai`` transition lead to the first step (so rework
  back to the first step keeps ``i`` a clean source); every end step puts its token in ``o``.

``maks_ulang`` is not encoded in the net (loops stay unbounded): the conformance checker counts
repetitions separately, as it does for the ``maks_kali`` rule.
"""

from __future__ import annotations

from pipeline.sop.model import Sop
from pipeline.sop.net import Net, Transition

SOURCE, SINK = "i", "o"


def sop_to_net(sop: Sop) -> Net:
    """The workflow net of ``sop``: initial marking ``{i: 1}``, final marking ``{o: 1}``."""
    places = [SOURCE]
    transitions = [Transition("mulai", None)]
    arcs = [(SOURCE, "mulai"), ("mulai", f"p_{sop.start.id}")]
    for step in sop.langkah:
        place, trans = f"p_{step.id}", f"t_{step.id}"
        places.append(place)
        transitions.append(Transition(trans, step.id if step.dicatat else None))
        arcs.append((place, trans))
        if step.berikut is not None:
            arcs.append((trans, f"p_{step.berikut}"))
        elif step.cabang:
            choice = f"q_{step.id}"
            places.append(choice)
            arcs.append((trans, choice))
            for k, branch in enumerate(step.cabang, start=1):
                silent = f"tau_{step.id}_{k}"
                transitions.append(Transition(silent, None))
                arcs += [(choice, silent), (silent, f"p_{branch.ke}")]
        else:
            arcs.append((trans, SINK))
    places.append(SINK)
    return Net(name=sop.identitas.judul, places=tuple(places), transitions=tuple(transitions),
               arcs=tuple(arcs), initial={SOURCE: 1}, final={SINK: 1})
