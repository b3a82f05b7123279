"""Read a BPMN 2.0 XML process (bpmn.io, Camunda, Signavio exports) into a workflow net.

Every sequence flow becomes a place. A task is a transition labelled with its name (XOR-join on
several incoming flows, AND-split on several outgoing flows, as BPMN defines); an exclusive or
event-based gateway becomes one silent transition per incoming and per outgoing flow around a
choice place; a parallel gateway one silent transition. Start events take the token from the
source place ``i``; end events put it in ``o``. Lanes give each task its role.

Inclusive and complex gateways, sub-processes and boundary events cannot be checked against a
log by alignments; they are reported with the element's line and what to redraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.errors import SopError
from pipeline.sop.net import Net, Transition

TASKS = {"task", "userTask", "serviceTask", "manualTask", "scriptTask", "businessRuleTask",
         "sendTask", "receiveTask", "callActivity"}
PASS = {"intermediateCatchEvent", "intermediateThrowEvent"}
UNSUPPORTED = {
    "inclusiveGateway": "an inclusive (OR) gateway",
    "complexGateway": "a complex gateway",
    "subProcess": "a sub-process",
    "adHocSubProcess": "an ad-hoc sub-process",
    "transaction": "a transaction",
    "boundaryEvent": "a boundary event",
}


@dataclass(frozen=True)
class BpmnModel:
    net: Net
    roles: dict[str, str]  # task label -> lane name


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def read_bpmn(path: str | Path) -> BpmnModel:
    """The workflow net of the (single) process of a BPMN file, with roles from its lanes."""
    file = Path(path)
    try:
        root = etree.parse(str(file), etree.XMLParser(resolve_entities=False)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SopError(f"not a readable BPMN file ({exc})", file=file,
                       fix="Export the diagram again as BPMN 2.0 XML.") from None
    processes = [p for p in root if _local(p) == "process"
                 and any(_local(c) in TASKS for c in p.iter())]
    if len(processes) != 1:
        raise SopError(f"{len(processes)} processes with tasks found", file=file,
                       line=root.sourceline,
                       fix="Keep one pool with the service's tasks; draw other parties as lanes.")
    return _convert(processes[0], file)


def _convert(process: etree._Element, file: Path) -> BpmnModel:
    nodes: dict[str, etree._Element] = {}
    flows: list[etree._Element] = []
    roles_by_node: dict[str, str] = {}
    for el in process.iter():
        kind = _local(el)
        if kind in UNSUPPORTED:
            raise SopError(
                f"the model uses {UNSUPPORTED[kind]} ('{el.get('name') or el.get('id')}'), "
                "which the checker cannot use", file=file, line=el.sourceline,
                fix="Redraw it with exclusive (XOR) and parallel (AND) gateways and plain tasks.")
        if kind == "sequenceFlow":
            flows.append(el)
        elif kind == "lane":
            name = " ".join((el.get("name") or el.get("id") or "").split())
            for ref in el:
                if _local(ref) == "flowNodeRef" and ref.text:
                    roles_by_node[ref.text.strip()] = name
        elif kind in TASKS | PASS | {"startEvent", "endEvent", "exclusiveGateway",
                                     "eventBasedGateway", "parallelGateway"}:
            nodes[el.get("id")] = el
    incoming: dict[str, list[str]] = {n: [] for n in nodes}
    outgoing: dict[str, list[str]] = {n: [] for n in nodes}
    for f in flows:
        src, dst = f.get("sourceRef"), f.get("targetRef")
        for end in (src, dst):
            if end not in nodes:
                raise SopError(f"sequence flow '{f.get('id')}' connects '{end}', which is not a "
                               "task, event or gateway of the process", file=file,
                               line=f.sourceline, fix="Reconnect the flow in the modeller.")
        outgoing[src].append(f"f_{f.get('id')}")
        incoming[dst].append(f"f_{f.get('id')}")
    # An exclusive gateway is one place where all its flows meet; so are the several incoming
    # flows of a task or an end event (BPMN's implicit XOR-join).
    parent = {f"f_{f.get('id')}": f"f_{f.get('id')}" for f in flows}

    def find(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    def union(group: list[str]) -> None:
        for p in group[1:]:
            parent[find(p)] = find(group[0])

    for nid, el in nodes.items():
        kind = _local(el)
        if kind in ("exclusiveGateway", "eventBasedGateway"):
            union(incoming[nid] + outgoing[nid])
        elif kind != "parallelGateway":
            union(incoming[nid])
    transitions: list[Transition] = []
    arcs: list[tuple[str, str]] = []
    roles: dict[str, str] = {}

    def add(tid: str, label: str | None, pre: list[str], post: list[str]) -> None:
        transitions.append(Transition(tid, label))
        arcs.extend((p if p == "i" else find(p), tid) for p in pre)
        arcs.extend((tid, p if p == "o" else find(p)) for p in post)

    for nid, el in nodes.items():
        kind, ins, outs = _local(el), incoming[nid], outgoing[nid]
        if kind == "startEvent":
            add(f"start_{nid}", None, ["i"], outs)
        elif kind == "endEvent":
            add(f"end_{nid}", None, ins[:1], ["o"])
        elif kind == "parallelGateway":
            add(f"and_{nid}", None, ins, outs)
        elif kind not in ("exclusiveGateway", "eventBasedGateway"):
            label = " ".join((el.get("name") or "").split()) or nid if kind in TASKS else None
            add(f"t_{nid}", label, ins[:1], outs)
            if label is not None and nid in roles_by_node:
                roles[label] = roles_by_node[nid]
    places = ["i", *sorted({find(p) for p in parent})]
    places.append("o")
    name = process.get("name") or file.stem
    net = Net(name=name, places=tuple(places), transitions=tuple(transitions), arcs=tuple(arcs),
              initial={"i": 1}, final={"o": 1})
    return BpmnModel(net=net, roles=roles)
