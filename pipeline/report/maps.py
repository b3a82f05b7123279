"""Process maps drawn with Graphviz ``dot``: the observed flow, or the SOP beside it.

An edge table (``source, target, count`` and, when known, ``median_working_s``,
``p90_working_s``, ``class``, ``is_return``; see :func:`pipeline.compare.compare`) becomes a
DOT graph, then SVG (:func:`render_svg`) and an HTML page (:func:`map_html`).

Readable at 40 activities: edge thickness grows with the square root of the count, labels give
the count and the median working time, nodes are shaded by how often they occur, and the caller
restricts the cases to the most frequent variants first (``Filter.coverage``). Colours:
in the SOP and taken dark solid, deviating red dashed, in the SOP and never taken grey dotted;
steps the SOP does not know have a red border.
"""

from __future__ import annotations

import html
import math
import shutil
import subprocess
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError, InputError

START, END = "▶", "■"
STYLE = {  # class -> (colour, style)
    "taken_in_sop": ("#1f2937", "solid"),
    "deviating": ("#dc2626", "dashed"),
    "untaken": ("#9ca3af", "dotted"),
    "observed": ("#1e3a5f", "solid"),
}
LEGEND = (
    ("taken_in_sop", "sesuai SOP dan dilalui"),
    ("deviating", "menyimpang: dilalui, tidak ada di SOP"),
    ("untaken", "ada di SOP, tidak pernah dilalui"),
)


def hours_text(seconds: float) -> str:
    """Working time in words short enough for an edge label (Indonesian decimal comma)."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    if seconds < 60:
        return f"{seconds:.0f} dtk"
    if seconds < 3600:
        return f"{seconds / 60:.0f} mnt"
    hours = seconds / 3600
    if hours < 100:
        return f"{hours:.1f}".replace(".", ",") + " jam"
    return count_text(round(hours)) + " jam"


def count_text(n: int) -> str:
    return f"{int(n):,}".replace(",", ".")


def _q(text: str) -> str:
    """A DOT string; newlines become centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def _node_label(name: str, count: int) -> str:
    lines = textwrap.wrap(name, 24) or [name]
    return "\n".join(lines) + f"\n({count_text(count)})"


def dot_source(edges: pd.DataFrame, title: str, *, unknown: Iterable[str] = (),
               note: str = "") -> str:
    """The DOT text of a map; ``unknown`` activities (not in the SOP) get a red border."""
    unknown = set(unknown)
    has_class = "class" in edges.columns
    top = max(int(edges["count"].max()) if len(edges) else 1, 1)
    visits: dict[str, int] = {}
    for target, count in zip(edges["target"], edges["count"], strict=True):
        visits[target] = visits.get(target, 0) + int(count)
    names = sorted({*edges["source"], *edges["target"]} - {START, END})
    ids = {name: f"n{i}" for i, name in enumerate(names)}
    ids[START], ids[END] = "start", "end"
    most = max([visits.get(n, 0) for n in names] + [1])
    lines = [
        "digraph map {",
        '  graph [rankdir=TB, fontname="Helvetica", fontsize=16, labelloc=t, nodesep=0.35, '
        f'ranksep=0.45, splines=spline, label={_q(title + (chr(10) + note if note else ""))}];',
        '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", '
        'margin="0.12,0.06", penwidth=1.2];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
        '  start [label="mulai", shape=circle, fillcolor="#16a34a", fontcolor=white, '
        "fontsize=9, width=0.5, fixedsize=true];",
        '  end [label="selesai", shape=doublecircle, fillcolor="#374151", fontcolor=white, '
        "fontsize=8, width=0.5, fixedsize=true];",
    ]
    for name in names:
        shade = 0.15 + 0.6 * math.sqrt(visits.get(name, 0) / most)
        fill = _blend("#ffffff", "#93c5fd", shade)
        border = '#dc2626", penwidth=2.4, fontcolor="#991b1b' if name in unknown else "#1e3a5f"
        lines.append(f'  {ids[name]} [label={_q(_node_label(name, visits.get(name, 0)))}, '
                     f'fillcolor="{fill}", color="{border}"];')
    for d in edges.to_dict("records"):
        cls = d.get("class", "observed") if has_class else "observed"
        colour, style = STYLE[cls]
        count = int(d["count"])
        width = 0.8 + 5.2 * math.sqrt(count / top) if count else 1.0
        label = "" if not count else count_text(count) + "×"
        median = hours_text(d.get("median_working_s", float("nan")))
        if count and median:
            label += f"\nmed {median}"
            p90 = hours_text(d.get("p90_working_s", float("nan")))
            if p90:
                label += f" · P90 {p90}"
        if cls == "untaken":
            label = "0×"
        attrs = [f"label={_q(label)}", f'color="{colour}"', f'fontcolor="{colour}"',
                 f'style="{style}"', f"penwidth={width:.2f}"]
        if d.get("is_return") or cls == "untaken":
            attrs.append("constraint=false")
        lines.append(f"  {ids[d['source']]} -> {ids[d['target']]} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _blend(a: str, b: str, t: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def render_svg(dot: str) -> str:
    """SVG of a DOT text, drawn by the Graphviz ``dot`` program."""
    exe = shutil.which("dot")
    if exe is None:
        raise ConfigError("Graphviz 'dot' is not installed; install it (apt-get install graphviz) "
                          "to draw process maps.")
    done = subprocess.run([exe, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True,
                          check=False, timeout=300)
    if done.returncode != 0:
        raise ConfigError(f"Graphviz could not draw the map: {done.stderr.decode()[:300]}")
    return done.stdout.decode("utf-8")


def map_html(svg: str, title: str, *, compared: bool, notes: Iterable[str] = ()) -> str:
    """A standalone page: the title, the legend, the map, notes."""
    legend = ""
    if compared:
        items = "".join(
            f'<li><svg width="46" height="10"><line x1="0" y1="5" x2="46" y2="5" '
            f'stroke="{STYLE[c][0]}" stroke-width="3" '
            f'stroke-dasharray="{_dash(STYLE[c][1])}"/></svg> {html.escape(text)}</li>'
            for c, text in LEGEND)
        legend = f'<ul class="legend">{items}</ul>'
    body = svg[svg.find("<svg"):] if "<svg" in svg else svg
    extra = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:Helvetica,Arial,sans-serif;margin:1.5em;color:#111827}}
.legend{{list-style:none;padding:0;display:flex;gap:2em;font-size:14px}}
.map svg{{max-width:100%;height:auto}}</style></head>
<body><h1>{html.escape(title)}</h1>{legend}<div class="map">{body}</div>{extra}</body></html>
"""


def _dash(style: str) -> str:
    return {"dashed": "8,4", "dotted": "2,3"}.get(style, "none")


# --- the files of ``sopmine discover`` ------------------------------------------------------


def draw_map(edges: pd.DataFrame, title: str, *, unknown: Iterable[str] = (),
             notes: Iterable[str] = ()) -> tuple[str, str]:
    """(SVG, HTML) of a map."""
    notes = list(notes)
    svg = render_svg(dot_source(edges, title, unknown=unknown))
    return svg, map_html(svg, title, compared="class" in edges.columns, notes=notes)


def map_edges(wh: Any, f: Any, calendar: Any, flow: Any = None) -> tuple[pd.DataFrame, list[str]]:
    """The edges to draw under filter ``f`` (its coverage applied), and notes for the reader.

    With a declared ``flow`` the edges carry their class; an SOP edge counts as ``untaken``
    only when no case of the scope (all variants) takes it, so the coverage filter hides rare
    edges but never makes a taken one look untaken.
    """
    from pipeline import compare, discover

    perf = discover.performance_dfg(wh, calendar, f)
    counts = discover.dfg(wh, f)[["source", "target", "cases"]]
    edges = compare.observed_edges(perf.merge(counts, on=["source", "target"]),
                                   discover.start_end(wh, f))
    notes: list[str] = []
    if f.coverage < 1:
        shown = discover.variants(wh, f)
        notes.append(f"Ditampilkan {len(shown)} varian terbanyak yang mencakup "
                     f"{shown['cases'].sum():,} kasus (cakupan ≥ {f.coverage:.0%}).".replace(",", "."))
    if flow is None:
        return edges, notes
    everything = f.with_(coverage=1.0)
    taken_all = compare.observed_edges(discover.dfg(wh, everything),
                                       discover.start_end(wh, everything))
    table = compare.compare(edges, flow)
    all_classes = compare.compare(taken_all, flow)
    truly_untaken = set(compare.classes_of(all_classes[all_classes["class"] == "untaken"]))
    pairs = zip(table["source"], table["target"], strict=True)
    rare = np.array([p not in truly_untaken for p in pairs], dtype=bool)
    hidden = table[(table["class"] == "untaken").to_numpy() & rare]
    table = table.drop(hidden.index)
    # untaken edges only between drawn steps, and steps that no case in scope ever reached
    seen = set(taken_all["source"]) | set(taken_all["target"])
    drawn = set(table.loc[table["class"] != "untaken", "source"]) | set(
        table.loc[table["class"] != "untaken", "target"]) | (set(flow.steps) - seen)
    ends_drawn = table["source"].isin(drawn).to_numpy() & table["target"].isin(drawn).to_numpy()
    table = table[(table["class"] != "untaken").to_numpy() | ends_drawn]
    never = sorted(set(flow.steps) - seen)
    if never:
        notes.append("Langkah SOP yang tidak pernah dilakukan: " + ", ".join(never) + ".")
    deviating = all_classes[all_classes["class"] == "deviating"]
    shown_dev = int((table["class"] == "deviating").sum())
    if len(deviating) > shown_dev:
        notes.append(f"{len(deviating) - shown_dev} dari {len(deviating)} jalur menyimpang hanya "
                     "ada di varian jarang dan tidak digambar; lihat comparison.csv.")
    return table, notes


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-") or "x"


def write_discovery(wh: Any, out: str | Path, f: Any, calendar: Any, *,
                    models: Iterable[Any] = (), noise: float = 0.2,
                    per_unit: bool = False) -> list[Path]:
    """Write what ``sopmine discover`` writes into ``out`` and return the paths.

    The tables cover every case of the scope (``f`` without its coverage): ``dfg.csv``,
    ``variants.csv``, ``start_end.csv``, ``bottlenecks.csv`` (and ``comparison.csv`` per
    declared model). The drawings and the mined model use ``f`` as given, coverage included:
    ``map.svg``/``map.html`` (the observed flow, or the comparison with the one model given;
    ``map-LAYANAN.*`` per model when several), ``model.bpmn``, ``model.pnml``, ``model.svg``
    (inductive miner with ``noise``). ``per_unit`` adds one map per unit (``map-unit-UNIT.*``).
    """
    from pipeline import compare, discover

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    everything = f.with_(coverage=1.0)
    written: list[Path] = []

    def save(name: str, text: str) -> None:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    perf = discover.performance_dfg(wh, calendar, everything)
    counts = discover.dfg(wh, everything)[["source", "target", "cases"]]
    if perf.empty:
        raise InputError("no cases are left after the filter; widen the period, layanan or unit.")
    save("dfg.csv", perf.merge(counts, on=["source", "target"]).to_csv(index=False))
    found = discover.variants(wh, everything).drop(columns="activities")
    save("variants.csv", found.to_csv(index=False))
    save("start_end.csv", discover.start_end(wh, everything).to_csv(index=False))
    save("bottlenecks.csv", discover.bottlenecks(wh, calendar, everything).to_csv(index=False))

    scopes: list[tuple[str, Any, Any, str]] = []  # (file stem, filter, flow, title)
    models = list(models)
    for model in models:
        scope = _scope_of(wh, f, model.layanan)
        if scope is None:
            continue
        flow = compare.declared_flow(model)
        stem = "map" if len(models) == 1 else f"map-{_slug(model.layanan)}"
        taken = compare.observed_edges(discover.dfg(wh, scope.with_(coverage=1.0)),
                                       discover.start_end(wh, scope.with_(coverage=1.0)))
        table = compare.compare(taken, flow)
        save(f"comparison{stem[3:]}.csv", table.to_csv(index=False))
        scopes.append((stem, scope, flow, f"SOP '{model.name}' dan alur nyata"))
    if not models:
        scopes.append(("map", f, None, "Alur layanan yang sebenarnya"))
    if per_unit:
        units = [r[0] for r in wh.rows("SELECT DISTINCT unit FROM events WHERE unit IS NOT NULL "
                                       "ORDER BY 1")]
        scopes += [(f"{stem}-unit-{_slug(u)}", s.with_(unit=u), flow, f"{title}: unit {u}")
                   for stem, s, flow, title in list(scopes) for u in units]
    for stem, scope, flow, title in scopes:
        if discover.dfg(wh, scope).empty and flow is None:
            continue
        edges, notes = map_edges(wh, scope, calendar, flow)
        unknown = compare.unknown_activities(edges["source"], flow) if flow else []
        svg, page = draw_map(edges, title, unknown=unknown, notes=notes)
        save(f"{stem}.svg", svg)
        save(f"{stem}.html", page)

    model = discover.discover_model(wh, f, threshold=noise)
    for name, writer in (("model.bpmn", model.write_bpmn), ("model.pnml", model.write_pnml),
                         ("model.svg", model.write_svg)):
        writer(str(folder / name))
        written.append(folder / name)
    return written


def _scope_of(wh: Any, f: Any, layanan: str) -> Any:
    """The filter for a model of ``layanan``: its cases, or every case when the log names no
    service at all; ``None`` when the log names services but not this one."""
    if f.layanan is not None:
        return f if f.layanan == layanan else None
    if wh.scalar("SELECT count(*) FROM events WHERE layanan = ?", [layanan]):
        return f.with_(layanan=layanan)
    if not wh.scalar("SELECT count(*) FROM events WHERE layanan IS NOT NULL"):
        return f
    return None
