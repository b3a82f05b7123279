"""The workbook for the Inspektorat (openpyxl): findings in the audit form, the case-level
deviation list, and the SOP monitoring form of Permenpan RB 35/2012, Tabel 7.

- *Temuan*: one finding per service, deviation code and step: ``kriteria`` (the SOP rule and
  its legal basis), ``kondisi`` (what the data show, with counts), ``sebab`` (left blank for the
  auditor), ``akibat``, ``rekomendasi``, the counts and example cases.
- *Daftar penyimpangan*: every deviation of the period, officers as pseudonyms.
- *Monitoring Tabel 7*: per SOP, "Berjalan dengan baik" or "Tidak berjalan dengan baik" by the
  threshold on the on-time and conforming shares, with notes and the action to take.
- *Manifes*: inputs, hashes, SOP versions, calendar, software, parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.report.data import ReportInputs, headline, verdict
from pipeline.report.texts import (
    AKIBAT,
    KONDISI,
    KONDISI_WHERE,
    KRITERIA,
    LANGUAGES,
    REKOMENDASI,
    date_text,
    jenis_text,
    number,
    percent,
    pick,
    text,
)
from pipeline.sop.model import Sop

HEADER_FILL = "1E3A5F"
EXAMPLES = 5


NO_LAYANAN = "–"


def findings(inputs: ReportInputs, lang: str = "id") -> pd.DataFrame:
    """One row per (layanan, jenis, langkah) with the audit form's columns."""
    devs = inputs.deviations
    columns = ["no", "layanan", "nomor_sop", "jenis", "langkah", "kriteria", "kondisi", "sebab",
               "akibat", "rekomendasi", "cases", "occurrences", "examples"]
    if devs.empty:
        return pd.DataFrame(columns=columns)
    # a log without a layanan column (e.g. checked against a PNML model) still has findings
    totals = inputs.cases.assign(layanan=inputs.cases["layanan"].fillna(NO_LAYANAN)).groupby(
        "layanan").size()
    frame = devs.assign(langkah=devs["langkah"].fillna(""),
                        layanan=devs["layanan"].fillna(NO_LAYANAN))
    rows = []
    for (layanan, jenis, langkah), g in frame.groupby(["layanan", "jenis", "langkah"],
                                                      sort=True):
        sop = inputs.sop_of(str(layanan))
        n_cases = g["case_id"].nunique()
        total = int(totals.get(layanan, 0))
        by_unit = g.groupby(g["unit"].fillna("–"))["case_id"].nunique().sort_values(
            ascending=False)
        where = ""
        if len(by_unit) > 1:
            where = KONDISI_WHERE[LANGUAGES.index(lang)].format(
                unit=by_unit.index[0], k=number(by_unit.iloc[0], lang))
        kondisi = KONDISI[LANGUAGES.index(lang)].format(
            period=inputs.period.label, n_cases=number(n_cases, lang), total=number(total, lang),
            share=percent(n_cases / total if total else None, lang, 1),
            n=number(len(g), lang), where=where)
        rows.append({
            "layanan": layanan, "nomor_sop": (sop.identitas.nomor_sop or "") if sop else "",
            "jenis": jenis_text(lang, str(jenis)), "langkah": langkah,
            "kriteria": _kriteria(sop, str(jenis), str(langkah), lang), "kondisi": kondisi,
            "sebab": "", "akibat": pick(AKIBAT, str(jenis), lang),
            "rekomendasi": pick(REKOMENDASI, str(jenis), lang), "cases": n_cases,
            "occurrences": len(g),
            "examples": ", ".join(sorted(g["case_id"].unique())[:EXAMPLES]),
        })
    out = pd.DataFrame(rows)
    out = out.sort_values(["cases", "layanan", "jenis", "langkah"],
                          ascending=[False, True, True, True], ignore_index=True)
    out.insert(0, "no", range(1, len(out) + 1))
    return out[columns]


def _kriteria(sop: Sop | None, jenis: str, langkah: str, lang: str) -> str:
    if sop is None:
        return pick(KRITERIA, jenis, lang, step=langkah, kegiatan=langkah, pelaksana="–",
                    waktu="–", promise="–")
    step = next((s for s in sop.langkah if s.id == langkah), None)
    role = "–"
    if step is not None:
        role = next((r.nama for r in sop.pelaksana if r.id == step.pelaksana), step.pelaksana)
    rule = pick(KRITERIA, jenis, lang, step=langkah or "–",
                kegiatan=step.kegiatan if step else (langkah or "–"), pelaksana=role,
                waktu=str(step.mutu_baku.waktu) if step and step.mutu_baku.waktu else "–",
                promise=str(sop.standar_pelayanan.jangka_waktu or "–"))
    ident = sop.identitas
    basis = f"SOP {ident.nomor_sop or ident.judul} ({ident.judul})"
    if ident.dasar_hukum:
        basis += "; " + "; ".join(ident.dasar_hukum)
    label = "Dasar" if lang == "id" else "Basis"
    return f"{rule} {label}: {basis}."


def monitoring(inputs: ReportInputs, lang: str = "id") -> pd.DataFrame:
    """Permenpan 35/2012 Tabel 7: per SOP the rating, notes and action."""
    found = findings(inputs, lang)
    rows = []
    for i, service in enumerate(inputs.services, start=1):
        name = service.layanan
        cases = inputs.cases[inputs.cases["layanan"] == name]
        devs = inputs.deviations[inputs.deviations["layanan"] == name]
        h = headline(cases, devs, checked=inputs.conformance_checked)
        v = verdict(h, inputs.threshold)
        sop = service.sop
        procedure = (f"{sop.identitas.judul} ({sop.identitas.nomor_sop})"
                     if sop and sop.identitas.nomor_sop else sop.identitas.judul if sop else name)
        top = jenis_text(lang, h["top"][0][0]) if h["top"] else "–"
        note = text(lang, "mon_note", cases=number(h["cases"], lang),
                    on_time=percent(h["on_time"], lang, 1),
                    conforming=(percent(h["conforming"], lang, 1)
                                if inputs.conformance_checked else text(lang, "not_checked")),
                    top=top)
        refs = ", ".join(f"#{n}" for n in found.loc[found["layanan"] == name, "no"].head(5))
        action = {"good": text(lang, "mon_action_good"),
                  "bad": text(lang, "mon_action_bad", refs=refs or "–")}.get(
                      v or "", text(lang, "mon_action_none"))
        rows.append({"no": i, "layanan": name, "procedure": procedure,
                     "good": "✓" if v == "good" else "", "bad": "✓" if v == "bad" else "",
                     "verdict": v, "notes": note, "action": action})
    return pd.DataFrame(rows, columns=["no", "layanan", "procedure", "good", "bad", "verdict",
                                       "notes", "action"])


def case_list(inputs: ReportInputs) -> pd.DataFrame:
    """The deviations of the period, one row each (officers as pseudonyms)."""
    devs = inputs.deviations.copy()
    devs["waktu"] = devs["waktu"].map(lambda t: "" if pd.isna(t) else t.strftime("%Y-%m-%d %H:%M"))
    return devs[["case_id", "layanan", "unit", "jenis", "langkah", "aktivitas", "waktu",
                 "resource", "role", "keterangan"]]


def write_xlsx(inputs: ReportInputs, path: str | Path, lang: str = "id") -> Path:
    """Write the workbook to ``path``."""
    from openpyxl import Workbook

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    title = f"{text(lang, 'title')} · {inputs.period.label}"
    period = f"{date_text(inputs.period.start, lang)} – {date_text(inputs.period.end, lang)}"

    ws = wb.active
    ws.title = text(lang, "wb_findings")
    f = findings(inputs, lang)
    headers = [text(lang, k) for k in ("no", "service", "nomor_sop", "jenis", "step",
                                       "kriteria", "kondisi", "sebab", "akibat", "rekomendasi",
                                       "cases_affected", "occurrences", "example_cases")]
    _head(ws, title, f"{text(lang, 'period')}: {period}")
    _table(ws, 4, headers, [
        [r.no, r.layanan, r.nomor_sop, r.jenis, r.langkah, r.kriteria, r.kondisi,
         text(lang, "sebab_blank"), r.akibat, r.rekomendasi, r.cases, r.occurrences, r.examples]
        for r in f.itertuples()],
        widths=[5, 14, 20, 22, 12, 45, 45, 18, 35, 40, 12, 10, 30])

    ws = wb.create_sheet(text(lang, "wb_cases"))
    cases = case_list(inputs)
    _head(ws, title, text(lang, "privacy"))
    _table(ws, 4, [text(lang, k) for k in ("case_id", "service", "unit", "jenis", "step",
                                            "aktivitas", "waktu", "resource", "role",
                                            "keterangan")],
           [[r["case_id"], r["layanan"], r["unit"], jenis_text(lang, str(r["jenis"])),
             r["langkah"], r["aktivitas"], r["waktu"], r["resource"], r["role"],
             r["keterangan"]] for r in cases.to_dict("records")],
           widths=[20, 14, 16, 26, 12, 14, 17, 20, 12, 60])

    ws = wb.create_sheet(text(lang, "wb_monitoring"))
    m = monitoring(inputs, lang)
    ws["A1"] = text(lang, "mon_title")
    ws["A2"] = text(lang, "mon_subtitle")
    units = sorted({s.sop.identitas.unit_kerja for s in inputs.services
                    if s.sop and s.sop.identitas.unit_kerja})
    ws["A3"] = f"{text(lang, 'mon_unit')}: {', '.join(units) or '–'}"
    ws["A4"] = f"{text(lang, 'period')}: {period}"
    ws["A5"] = f"{text(lang, 'mon_by')}: "
    ws["A6"] = f"{text(lang, 'mon_date')}: "
    ws["A7"] = text(lang, "mon_threshold", t=percent(inputs.threshold, lang))
    ws["A1"].font = _font(bold=True, size=13)
    _table(ws, 9, [text(lang, "no"), text(lang, "mon_procedure"), text(lang, "verdict_good"),
                   text(lang, "verdict_bad"), text(lang, "mon_notes"), text(lang, "mon_action")],
           [[r.no, r.procedure, r.good, r.bad, r.notes, r.action] for r in m.itertuples()],
           widths=[5, 45, 16, 16, 55, 50], center=(3, 4))

    ws = wb.create_sheet(text(lang, "wb_manifest"))
    man = inputs.manifest
    rows: list[list[Any]] = [
        [text(lang, "period"), f"{man['period']} ({period})"], [text(lang, "as_of"), man["as_of"]],
        [text(lang, "scope"), f"{man['layanan'] or '–'} / {man['unit'] or '–'}"],
        ["threshold", man["threshold"]], ["conformance_checked", str(man["conformance_checked"])]]
    rows += [[f"{text(lang, 'inputs')}: {i['file']}", i["sha256"]] for i in man["inputs"]]
    rows += [[f"SOP: {s['judul']} ({s['tanggal_efektif']})", f"{s['nomor_sop']} {s['sha256']}"]
             for s in man["sops"]]
    rows += [[text(lang, "calendar"), f"{man['calendar']['timezone']}; "
              + "; ".join(man["calendar"]["hours"])]]
    rows += [[k, v] for k, v in man["software"].items()]
    _table(ws, 1, [text(lang, "figure"), ""], rows, widths=[40, 90])
    wb.save(out)
    return out


def _font(bold: bool = False, size: float = 11, colour: str = "000000") -> Any:
    from openpyxl.styles import Font

    return Font(bold=bold, size=size, color=colour)


def _head(ws: Any, title: str, sub: str) -> None:
    ws["A1"] = title
    ws["A1"].font = _font(bold=True, size=13)
    ws["A2"] = sub


def _table(ws: Any, row: int, headers: list[str], rows: list[list[Any]], *,
           widths: list[int], center: tuple[int, ...] = ()) -> None:
    from copy import copy

    from openpyxl.styles import Alignment, Border, PatternFill, Side
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="9CA3AF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for j, h in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=j, value=h)
        cell.font = _font(bold=True, colour="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = border
    # the body's styles, registered with the workbook once per column and copied to each
    # (new) cell: what openpyxl's style descriptors do per assignment, done once. Setting
    # Alignment and Border objects cell by cell cost ~0.1 ms a cell, 10 s for a year's list.
    columns = max([len(headers), *map(len, rows)]) if rows else 0
    styles = []
    for j in range(1, columns + 1):
        style = StyleArray()
        style.alignmentId = ws.parent._alignments.add(Alignment(
            wrap_text=True, vertical="top", horizontal="center" if j in center else None))
        style.borderId = ws.parent._borders.add(border)
        styles.append(style)
    for i, values in enumerate(rows, start=row + 1):
        for j, v in enumerate(values, start=1):
            cell = ws.cell(row=i, column=j)
            cell._style = copy(styles[j - 1])
            # after the style: a date's value sets the cell's number format
            cell.value = None if v is None or (isinstance(v, float) and pd.isna(v)) else v
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    if rows:
        ws.auto_filter.ref = f"A{row}:{get_column_letter(len(headers))}{row + len(rows)}"
