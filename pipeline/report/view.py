"""The figures and tables of a report in one language, computed once from
:class:`~pipeline.report.data.ReportInputs` for the HTML and the PDF alike.

Values stay numbers (``value``) beside their formatted text (``text``), so templates print the
text and put the number in a ``data-value`` attribute that the tests compare with the warehouse.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from pipeline.report import figures
from pipeline.report.data import ReportInputs, ServiceData, counts_by, headline, verdict
from pipeline.report.texts import (
    date_text,
    jenis_text,
    number,
    percent,
    points,
    signed,
    text,
)
from pipeline.sop.model import Sop


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


def judul(layanan: str, sop: Sop | None) -> str:
    return sop.identitas.judul if sop is not None else layanan


def _cell(value: Any, shown: str) -> dict[str, Any]:
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    return {"value": "" if missing else value, "text": shown}


def figure_rows(h: dict[str, Any], p: dict[str, Any], lang: str,
                checked: bool) -> list[dict[str, Any]]:
    """The trend table: cases, on time, conforming, deviations, this period against the
    previous one."""
    def share(key: str) -> dict[str, Any]:
        now, before = h[key], p[key]
        delta = None if now is None or before is None else now - before
        return {"label": text(lang, key),
                "now": _cell(now, percent(now, lang, 1) if now is not None
                             else text(lang, "not_checked")),
                "before": _cell(before, percent(before, lang, 1) if before is not None
                                else text(lang, "no_previous")),
                "change": _cell(delta, points(delta, lang))}

    def count(key: str, label: str) -> dict[str, Any]:
        now, before = h[key], p[key]
        delta = now - before if p["cases"] else None
        return {"label": text(lang, label), "now": _cell(now, number(now, lang)),
                "before": _cell(before if p["cases"] else None,
                                number(before, lang) if p["cases"] else text(lang, "no_previous")),
                "change": _cell(delta, signed(delta, lang))}

    rows = [count("cases", "cases_long"), share("on_time")]
    if checked:
        rows.append(share("conforming"))
    rows.append(count("deviations", "deviations"))
    return rows


def top_rows(h: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    total = h["cases"]
    return [{"jenis": j, "label": jenis_text(lang, j), "cases": _cell(c, number(c, lang)),
             "occurrences": _cell(n, number(n, lang)),
             "share": _cell(c / total if total else None,
                            percent(c / total if total else None, lang, 1))}
            for j, c, n in h["top"]]


def service_view(inputs: ReportInputs, service: ServiceData, lang: str,
                 with_figures: bool = True) -> dict[str, Any]:
    """Everything one service's section shows."""
    name = service.layanan
    sop = service.sop
    cases = inputs.cases[inputs.cases["layanan"] == name]
    devs = inputs.deviations[inputs.deviations["layanan"] == name]
    prev = inputs.previous_cases[inputs.previous_cases["layanan"] == name]
    prev_devs = inputs.previous_deviations[inputs.previous_deviations["layanan"] == name]
    h = headline(cases, devs, checked=inputs.conformance_checked)
    p = headline(prev, prev_devs, checked=inputs.conformance_checked)
    promise = sop.standar_pelayanan.jangka_waktu if sop is not None else None
    v = verdict(h, inputs.threshold)
    out: dict[str, Any] = {
        "layanan": name, "slug": slug(name), "judul": judul(name, sop), "sop": sop,
        "h": h, "prev": p, "verdict": v,
        "verdict_text": text(lang, {"good": "verdict_good", "bad": "verdict_bad"}.get(
            v or "", "verdict_none")),
        "trend": figure_rows(h, p, lang, inputs.conformance_checked),
        "top": top_rows(h, lang),
        "promise": str(promise) if promise is not None else "–",
        "identity": _identity(sop, lang),
        "variants": [{"variant": r["variant"], "text": r["text"],
                      "cases": _cell(int(r["cases"]), number(r["cases"], lang)),
                      "share": _cell(float(r["share"]), percent(r["share"], lang, 1))}
                     for r in _records(service.variants)],
        "variant_count": service.variant_count,
        "steps": [_step_row(r, lang) for r in _records(service.step_times)],
        "bottlenecks": [{
            "kind": text(lang, "kind_step" if r["kind"] == "step" else "kind_handover"),
            "what": r["target"] if r["kind"] == "step" else f"{r['source']} → {r['target']}",
            "count": _cell(int(r["count"]), number(r["count"], lang)),
            "hours": _cell(float(r["total_working_s"]) / 3600,
                           number(r["total_working_s"] / 3600, lang, 1)),
            "share": _cell(float(r["share"]), percent(r["share"], lang, 1))}
            for r in _records(service.bottlenecks)],
        "map_svg": service.map_svg, "map_notes": list(service.map_notes),
        "by": {},
        "figures": {},
    }
    for column, key in (("langkah", "dev_by_step"), ("unit", "dev_by_unit"),
                        ("role", "dev_by_role")):
        counts = counts_by(devs, column)
        out["by"][column] = {
            "title": text(lang, key),
            "rows": [{"key": k, "label": jenis_text(lang, j),
                      "cases": _cell(int(c), number(c, lang)),
                      "occurrences": _cell(int(n), number(n, lang))}
                     for k, j, c, n in counts[[column, "jenis", "cases", "occurrences"]]
                     .itertuples(index=False)],
            "counts": counts}
    units = _on_time_by_unit(cases)
    out["units"] = [{"unit": r["unit"],
                     "judged": _cell(int(r["judged"]), number(r["judged"], lang)),
                     "on_time": _cell(float(r["on_time"]), percent(r["on_time"], lang, 1))}
                    for r in _records(units)]
    if with_figures:
        figs = out["figures"]
        days = promise.days if promise is not None and promise.kind == "working_days" else None
        if len(cases):
            figs["turnaround"] = figures.turnaround(cases, days, lang)
        if len(units):
            figs["on_time_by_unit"] = figures.on_time_by_unit(units, lang, inputs.threshold)
        if len(service.variants):
            figs["variants"] = figures.variants(service.variants, lang)
        for column in ("langkah", "unit", "role"):
            counts = out["by"][column]["counts"]
            if len(counts):
                figs[f"dev_by_{column}"] = figures.deviations_by(
                    counts, column, lang, out["by"][column]["title"])
        if len(service.step_times):
            figs["step_times"] = figures.step_times(_with_minutes(service.step_times), lang)
    return out


def _with_minutes(table: pd.DataFrame) -> pd.DataFrame:
    from pipeline.durations import parse_duration

    def minutes(value: Any) -> float:
        if not isinstance(value, str):
            return np.nan
        d = parse_duration(value)
        return d.seconds / 60 if d.kind == "working" else np.nan

    return table.assign(standar_min=table["standar"].map(minutes))


def _on_time_by_unit(cases: pd.DataFrame) -> pd.DataFrame:
    judged = cases[cases["tepat_waktu"].notna()]
    if judged.empty:
        return pd.DataFrame(columns=["unit", "judged", "on_time"])
    out = judged.assign(ok=judged["tepat_waktu"].astype(bool), unit=judged["unit"].fillna("–"))
    out = out.groupby("unit").agg(judged=("ok", "size"), on_time=("ok", "mean")).reset_index()
    return out.sort_values(["on_time", "unit"], ignore_index=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _step_row(r: dict[str, Any], lang: str) -> dict[str, Any]:
    measured = isinstance(r["standar"], str)
    return {"langkah": r["langkah"], "kegiatan": r["kegiatan"], "pelaksana": r["pelaksana"],
            "standar": r["standar"] if measured else "–",
            "events": _cell(int(r["events"]), number(r["events"], lang)),
            "median": _cell(r["median_s"] / 60, number(r["median_s"] / 60, lang)),
            "p90": _cell(r["p90_s"] / 60, number(r["p90_s"] / 60, lang)),
            "over": _cell(int(r["over"]), number(r["over"], lang)),
            "share_over": _cell(r["share_over"], percent(r["share_over"], lang, 1)),
            "measured": measured}


def _identity(sop: Sop | None, lang: str) -> list[tuple[str, str]]:
    if sop is None:
        return []
    ident = sop.identitas
    rows = [(text(lang, "nomor_sop"), ident.nomor_sop or "–"),
            (text(lang, "tanggal_efektif"), date_text(ident.tanggal_efektif, lang)),
            ("Unit kerja" if lang == "id" else "Work unit", ident.unit_kerja or "–"),
            (text(lang, "dasar_hukum"), "; ".join(ident.dasar_hukum) or "–"),
            (text(lang, "promise"), str(sop.standar_pelayanan.jangka_waktu or "–"))]
    if ident.pengesahan:
        rows.append(("Pengesahan" if lang == "id" else "Approved by",
                     str(ident.pengesahan.get("jabatan", "–"))))
    return rows


def summary_view(inputs: ReportInputs, lang: str, with_figures: bool = True) -> dict[str, Any]:
    """The executive summary: key figures, trend, top deviations, per-service overview."""
    h = headline(inputs.cases, inputs.deviations, checked=inputs.conformance_checked)
    p = headline(inputs.previous_cases, inputs.previous_deviations,
                 checked=inputs.conformance_checked)
    services = [service_view(inputs, s, lang, with_figures) for s in inputs.services]
    overview = pd.DataFrame({
        "judul": [s["judul"] for s in services],
        "on_time": [s["h"]["on_time"] for s in services],
        "conforming": [s["h"]["conforming"] for s in services],
        "prev_on_time": [s["prev"]["on_time"] for s in services],
        "prev_conforming": [s["prev"]["conforming"] for s in services],
    }, dtype=object)
    for col in overview.columns[1:]:
        overview[col] = pd.to_numeric(overview[col])
    out: dict[str, Any] = {
        "h": h, "prev": p, "trend": figure_rows(h, p, lang, inputs.conformance_checked),
        "top": top_rows(h, lang), "services": services, "verdict": verdict(h, inputs.threshold),
        "figures": {},
    }
    if with_figures and len(services):
        out["figures"]["overview"] = figures.service_overview(overview, lang)
        ranked = (inputs.deviations.groupby("jenis")["case_id"].nunique()
                  .rename("cases").reset_index())
        if len(ranked):
            out["figures"]["top_deviations"] = figures.top_deviations(ranked, lang, h["cases"])
    return out


def header_view(inputs: ReportInputs, lang: str) -> dict[str, Any]:
    p = inputs.period
    return {
        "period": p.label,
        "period_dates": f"{date_text(p.start, lang)} – {date_text(p.end, lang)}",
        "previous_dates": (f"{date_text(inputs.previous.start, lang)} – "
                           f"{date_text(inputs.previous.end, lang)}"),
        "as_of": f"{date_text(inputs.as_of, lang)} {inputs.as_of:%H:%M}",
        "scope": ", ".join([inputs.layanan or text(lang, "all_services"),
                            inputs.unit or text(lang, "all_units")]),
        "threshold": percent(inputs.threshold, lang),
    }
