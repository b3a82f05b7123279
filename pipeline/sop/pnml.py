"""Read a PNML Petri net into a :class:`~pipeline.sop.net.Net`, including what pm4py misses.

Silent transitions are recognised by ``invisible="true"`` (RoadFines_NoData.pnml), by ProM's
``<toolspecific activity="$invisible$">`` or by an empty name. The final marking is read from
ProM's ``<finalmarkings>``, else from ``<finalMarking>`` inside places (RoadFines), else it is
the single sink place (the sepsis nets).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from pipeline.errors import SopError
from pipeline.sop.net import Net, Transition


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _text(el: etree._Element, name: str) -> str | None:
    for child in _children(el, name):
        for t in _children(child, "text"):
            return (t.text or "").strip()
    return None


def _count(text: str | None, file: Path, line: int | None) -> int:
    try:
        return int(text or "0")
    except ValueError:
        raise SopError(f"'{text}' is not a token count", file=file, line=line,
                       fix="Write a whole number inside <text>.") from None


def read_pnml(path: str | Path) -> Net:
    """Read the first net of a PNML file (all its pages)."""
    file = Path(path)
    try:
        root = etree.parse(str(file), etree.XMLParser(resolve_entities=False)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SopError(f"not a readable PNML file ({exc})", file=file,
                       fix="Export the net again as PNML 2009.") from None
    nets = [el for el in root.iter() if _local(el) == "net"]
    if not nets:
        raise SopError("no <net> element", file=file, line=root.sourceline,
                       fix="Export the net again as PNML.")
    net = nets[0]
    places: list[str] = []
    initial: dict[str, int] = {}
    inline_final: dict[str, int] = {}
    transitions: list[Transition] = []
    arcs: list[tuple[str, str]] = []
    for el in net.iter():
        kind = _local(el)
        if kind == "place":
            if el.get("idref"):
                continue
            pid = el.get("id")
            places.append(pid)
            tokens = _count(_text(el, "initialMarking"), file, el.sourceline)
            if tokens:
                initial[pid] = tokens
            final = _count(_text(el, "finalMarking"), file, el.sourceline)
            if final:
                inline_final[pid] = final
        elif kind == "transition":
            transitions.append(Transition(el.get("id"), _label(el)))
        elif kind == "arc":
            weight = _count(_text(el, "inscription") or "1", file, el.sourceline)
            arcs += [(el.get("source"), el.get("target"))] * weight
    final_marking = _prom_final(net, file) or inline_final or _sink(places, arcs, file)
    if not initial:
        sources = [p for p in places if not any(b == p for _, b in arcs)]
        if len(sources) != 1:
            raise SopError("the net has no initial marking and no single source place",
                           file=file, line=net.sourceline,
                           fix="Put <initialMarking><text>1</text></initialMarking> in the "
                               "start place.")
        initial = {sources[0]: 1}
    name = _text(net, "name") or file.stem
    return Net(name=name, places=tuple(places), transitions=tuple(transitions),
               arcs=tuple(arcs), initial=initial, final=final_marking)


def _label(el: etree._Element) -> str | None:
    if el.get("invisible", "").lower() == "true":
        return None
    for tool in _children(el, "toolspecific"):
        if tool.get("activity") == "$invisible$":
            return None
    name = _text(el, "name")
    return " ".join(name.split()) if name else None


def _prom_final(net: etree._Element, file: Path) -> dict[str, int]:
    for block in _children(net, "finalmarkings"):
        for marking in _children(block, "marking"):
            result = {}
            for place in _children(marking, "place"):
                tokens = _count(_text_direct(place), file, place.sourceline)
                if tokens:
                    result[place.get("idref")] = tokens
            if result:
                return result
    return {}


def _text_direct(el: etree._Element) -> str | None:
    for t in _children(el, "text"):
        return (t.text or "").strip()
    return None


def _sink(places: list[str], arcs: list[tuple[str, str]], file: Path) -> dict[str, int]:
    sinks = [p for p in places if not any(a == p for a, _ in arcs)]
    if len(sinks) != 1:
        raise SopError(f"the net has no final marking and {len(sinks)} sink places", file=file,
                       fix="Add <finalMarking><text>1</text></finalMarking> to the end place.")
    return {sinks[0]: 1}
