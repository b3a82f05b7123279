"""The charts of the reports: one function per chart, a small DataFrame in, a plotly Figure out.

Every function takes the frames of :mod:`pipeline.report.data` (aggregates, never raw events)
and the language; the figure's numbers are those of the frame, so the tables beside the charts
and the tests read the same values. Plotly is imported inside the functions, so importing this
module costs nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.report.texts import jenis_text, text

BLUE, GREY, RED, GREEN, AMBER = "#1e3a5f", "#9ca3af", "#dc2626", "#15803d", "#d97706"
#: One colour per deviation code (stable across charts).
JENIS_COLOURS = {
    "skipped_step": "#b91c1c", "extra_step": "#ea580c", "wrong_order": "#ca8a04",
    "rework_over_limit": "#7c3aed", "wrong_role": "#2563eb", "segregation_of_duties": "#0f766e",
    "rule_violation": "#be185d", "step_overtime": "#64748b", "sla_breach": "#1f2937",
}


def _figure(lang: str, height: int = 320, **layout: Any) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(
        template="plotly_white", height=height, margin={"l": 10, "r": 10, "t": 36, "b": 10},
        font={"family": "Helvetica, Arial, sans-serif", "size": 12, "color": "#111827"},
        separators=",." if lang == "id" else ".,", legend={"orientation": "h", "y": -0.15},
        **layout)
    return fig


def service_overview(table: pd.DataFrame, lang: str = "id") -> Any:
    """Per service (``judul``): shares ``on_time`` and ``conforming``, this period (bars) and
    the previous one (``prev_on_time``, ``prev_conforming``: diamonds)."""
    import plotly.graph_objects as go

    fig = _figure(lang, height=120 + 60 * max(len(table), 1), barmode="group",
                  title={"text": text(lang, "per_service"), "x": 0},
                  xaxis={"tickformat": ".0%", "range": [0, 1.05]},
                  yaxis={"autorange": "reversed", "automargin": True})
    for key, colour, prev in (("on_time", BLUE, "prev_on_time"),
                              ("conforming", GREEN, "prev_conforming")):
        if table[key].notna().any():
            fig.add_trace(go.Bar(x=table[key], y=table["judul"], orientation="h",
                                 name=text(lang, key), marker_color=colour,
                                 hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
        if table[prev].notna().any():
            fig.add_trace(go.Scatter(
                x=table[prev], y=table["judul"], mode="markers",
                name=f"{text(lang, key)} ({text(lang, 'previous_period')})",
                marker={"symbol": "diamond", "size": 10, "color": colour,
                        "line": {"color": "white", "width": 1}},
                hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    return fig


def top_deviations(counts: pd.DataFrame, lang: str = "id", total: int = 0) -> Any:
    """Cases affected per deviation code (``jenis, cases``), largest first; ``total`` cases
    turn the bars' labels into shares."""
    import plotly.graph_objects as go

    counts = counts.sort_values("cases", ascending=True)
    labels = [jenis_text(lang, j) for j in counts["jenis"]]
    fig = _figure(lang, height=90 + 34 * max(len(counts), 1),
                  title={"text": text(lang, "cases_affected"), "x": 0},
                  yaxis={"automargin": True}, showlegend=False)
    share = [f"{c / total:.0%}" if total else "" for c in counts["cases"]]
    fig.add_trace(go.Bar(x=counts["cases"], y=labels, orientation="h", text=share,
                         textposition="outside", cliponaxis=False,
                         marker_color=[JENIS_COLOURS.get(j, GREY) for j in counts["jenis"]],
                         hovertemplate="%{y}: %{x}<extra></extra>"))
    return fig


def variants(table: pd.DataFrame, lang: str = "id") -> Any:
    """Share of cases per variant (``variant, text, cases, share``), most frequent on top."""
    import plotly.graph_objects as go

    fig = _figure(lang, height=90 + 30 * max(len(table), 1), showlegend=False,
                  title={"text": text(lang, "variants"), "x": 0},
                  xaxis={"tickformat": ".0%"}, yaxis={"autorange": "reversed"})
    fig.add_trace(go.Bar(x=table["share"], y=[f"{text(lang, 'variant')} {v}"
                                              for v in table["variant"]],
                         orientation="h", marker_color=BLUE, customdata=table["text"],
                         text=table["cases"], textposition="auto",
                         hovertemplate="%{customdata}<br>%{x:.1%}<extra></extra>"))
    return fig


def deviations_by(counts: pd.DataFrame, column: str, lang: str = "id", title: str = "") -> Any:
    """Cases affected per value of ``column`` (step, unit or role), stacked by deviation code
    (the output of :func:`pipeline.report.data.counts_by`)."""
    import plotly.graph_objects as go

    order = (counts.groupby(column)["cases"].sum().sort_values(ascending=False).index.tolist())
    fig = _figure(lang, height=110 + 28 * max(len(order), 1), barmode="stack",
                  title={"text": title, "x": 0},
                  yaxis={"categoryorder": "array", "categoryarray": order[::-1],
                         "automargin": True})
    for jenis, part in counts.groupby("jenis", sort=True):
        fig.add_trace(go.Bar(x=part["cases"], y=part[column], orientation="h",
                             name=jenis_text(lang, str(jenis)),
                             marker_color=JENIS_COLOURS.get(str(jenis), GREY),
                             hovertemplate="%{y}: %{x}<extra>" + jenis_text(lang, str(jenis))
                             + "</extra>"))
    return fig


def turnaround(cases: pd.DataFrame, promise_days: float | None, lang: str = "id") -> Any:
    """Cases per turnaround in working days (finished cases, and open cases so far), with the
    promise as a vertical line."""
    import plotly.graph_objects as go

    fig = _figure(lang, height=300, barmode="stack",
                  title={"text": text(lang, "turnaround"), "x": 0},
                  xaxis={"title": {"text": text(lang, "working_days")}, "dtick": 1},
                  yaxis={"title": {"text": text(lang, "cases")}})
    days = cases["waktu_penyelesaian_hari_kerja"]
    for label, mask, colour in ((text(lang, "finished"), cases["status"] != "berjalan", BLUE),
                                (text(lang, "open"), cases["status"] == "berjalan", AMBER)):
        counts = days[mask].dropna().astype(int).value_counts().sort_index()
        fig.add_trace(go.Bar(x=counts.index, y=counts.to_numpy(), name=label,
                             marker_color=colour))
    top = float(days.max()) if days.notna().any() else 0.0
    fig.update_xaxes(range=[-0.6, max(top, promise_days or 0) + 1.2])
    if promise_days is not None:
        fig.add_vline(x=promise_days + 0.5, line={"color": RED, "dash": "dash", "width": 2},
                      annotation_text=f"{text(lang, 'promise')}: {promise_days:g}",
                      annotation_position="top right")
    return fig


def on_time_by_unit(table: pd.DataFrame, lang: str = "id", threshold: float = 0.8) -> Any:
    """Share of judged cases on time per unit (``unit, judged, on_time``)."""
    import plotly.graph_objects as go

    fig = _figure(lang, height=110 + 26 * max(len(table), 1), showlegend=False,
                  title={"text": text(lang, "on_time_by_unit"), "x": 0},
                  xaxis={"tickformat": ".0%", "range": [0, 1.05]},
                  yaxis={"autorange": "reversed", "automargin": True})
    colours = [GREEN if s >= threshold else RED for s in table["on_time"]]
    fig.add_trace(go.Bar(x=table["on_time"], y=table["unit"], orientation="h",
                         marker_color=colours, customdata=table["judged"],
                         hovertemplate="%{y}: %{x:.1%} (n=%{customdata})<extra></extra>"))
    fig.add_vline(x=threshold, line={"color": GREY, "dash": "dot"})
    return fig


def step_times(table: pd.DataFrame, lang: str = "id") -> Any:
    """Median and P90 working minutes per SOP step (``langkah, median_s, p90_s``), with the
    step's time standard in minutes as a red tick (``standar_min``, where it is one)."""
    import plotly.graph_objects as go

    fig = _figure(lang, height=130 + 34 * max(len(table), 1), barmode="group",
                  title={"text": text(lang, "step_times"), "x": 0},
                  xaxis={"title": {"text": text(lang, "minutes")}},
                  yaxis={"autorange": "reversed", "automargin": True})
    fig.add_trace(go.Bar(x=table["median_s"] / 60, y=table["langkah"], orientation="h",
                         name=text(lang, "median"), marker_color=BLUE,
                         hovertemplate="%{y}: %{x:.0f}<extra>median</extra>"))
    fig.add_trace(go.Bar(x=table["p90_s"] / 60, y=table["langkah"], orientation="h",
                         name=text(lang, "p90"), marker_color="#93c5fd",
                         hovertemplate="%{y}: %{x:.0f}<extra>P90</extra>"))
    if "standar_min" in table and table["standar_min"].notna().any():
        fig.add_trace(go.Scatter(x=table["standar_min"], y=table["langkah"], mode="markers",
                                 name=text(lang, "standard"),
                                 marker={"symbol": "line-ns-open", "size": 22, "color": RED,
                                         "line": {"width": 3}},
                                 hovertemplate="%{y}: %{x:.0f}<extra></extra>"))
    return fig
