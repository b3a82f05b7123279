"""The interactive HTML report: one self-contained file that opens with no network.

plotly.js (the copy bundled in the installed ``plotly`` package) is embedded once; each chart
is a JSON figure in one ``<script type="application/json">`` block, drawn by
``Plotly.newPlot`` on load. Only aggregates are embedded, never events, so the file stays small
and quick at 100,000 cases. When every chart is drawn the page sets
``document.body.dataset.chartsRendered`` to their number (the PDF printer and the tests wait
for it).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.report.data import ReportInputs
from pipeline.report.texts import LANGUAGES, jenis_text, number, percent, text

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The minified plotly.js shipped inside the plotly package (no CDN)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return path.read_text(encoding="utf-8")


def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(["j2", "html"]),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env


#: the tallest chart on a printed (PDF) page, in CSS pixels
PRINT_HEIGHT = 270


class Charts:
    """Figures registered while a template renders: ``chart(fig, key)`` gives the div, and
    :meth:`script` the JSON of every figure placed."""

    def __init__(self, static: bool = False) -> None:
        self.items: list[tuple[str, str, Any]] = []
        self.static = static

    def __call__(self, figs: dict[str, Any], name: str, key: str = "") -> Any:
        from markupsafe import Markup

        fig = figs.get(name)
        if fig is None:
            return Markup("")
        chart_id = f"chart-{len(self.items) + 1}"
        height = int(fig.layout.height or 320)
        if self.static and height > PRINT_HEIGHT:  # a printed page has room for two charts
            import copy

            fig = copy.deepcopy(fig)
            fig.update_layout(height=PRINT_HEIGHT)
            height = PRINT_HEIGHT
        self.items.append((chart_id, name, fig))
        return Markup(f'<div class="chart" id="{chart_id}" data-chart="{name}" '
                      f'data-key="{key}" style="height:{height}px"></div>')

    def script(self) -> Any:
        from markupsafe import Markup
        from plotly.io import to_json

        payload = ",".join(f'{{"id":{json.dumps(i)},"figure":{to_json(f, validate=False)}}}'
                           for i, _, f in self.items)
        payload = "[" + payload.replace("</", "<\\/") + "]"
        return Markup(f'<script type="application/json" id="figures">{payload}</script>')


def _context(inputs: ReportInputs, lang: str, charts: Charts,
             summary: dict[str, Any] | None = None) -> dict[str, Any]:
    from pipeline.report.view import header_view, summary_view

    if lang not in LANGUAGES:
        raise ValueError(f"language '{lang}' is not one of {', '.join(LANGUAGES)}")
    q = inputs.quality
    return {
        "lang": lang, "t": lambda key, **kw: text(lang, key, **kw),
        "jenis": lambda code: jenis_text(lang, code),
        "num": lambda v, d=0: number(v, lang, d), "pct": lambda v, d=1: percent(v, lang, d),
        "inputs": inputs, "head": header_view(inputs, lang),
        "summary": summary if summary is not None else summary_view(inputs, lang), "q": q,
        "loads": inputs.loads.to_dict("records"), "manifest": inputs.manifest,
        "chart": charts, "css": css(), "draw": draw_script(),
    }


def render_html(inputs: ReportInputs, lang: str = "id",
                summary: dict[str, Any] | None = None) -> str:
    """The HTML report as text. ``summary``: :func:`~pipeline.report.view.summary_view` of
    the same inputs and language, when the caller has it already (the PDF shows it too)."""
    from markupsafe import Markup

    charts = Charts()
    context = _context(inputs, lang, charts, summary)
    body = environment().get_template("report.html.j2").render(**context)
    # the figure data and plotly.js go in last, after every chart has been placed
    return body.replace("<!--FIGURES-->", str(charts.script())).replace(
        "<!--PLOTLY-->", str(Markup("<script>") + Markup(plotly_js().replace("</script", "<\\/script"))
                             + Markup("</script>")))


def write_html(inputs: ReportInputs, path: str | Path, lang: str = "id",
               summary: dict[str, Any] | None = None) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(inputs, lang, summary), encoding="utf-8")
    return out


def css() -> str:
    return (HERE / "assets" / "report.css").read_text(encoding="utf-8")


def draw_script(static: bool = False) -> str:
    """The script that draws every chart, then marks the page as rendered."""
    config = {"displaylogo": False, "responsive": not static, "staticPlot": static,
              "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
    return ("(function(){var specs=JSON.parse(document.getElementById('figures').textContent);"
            "var done=specs.map(function(s){return Plotly.newPlot(s.id,s.figure.data,"
            f"s.figure.layout,{json.dumps(config)});}});"
            "Promise.all(done).then(function(){document.body.dataset.chartsRendered="
            "String(specs.length);},function(e){console.error(e);"
            "document.body.dataset.chartsFailed=String(e);});})();")
