"""The SOP drawn as the official flowchart table of Permenpan RB 35/2012: one column per
*pelaksana*, one row per step with its symbol, the arrows (returns drawn up the column edge)
and the *mutu baku* columns beside each row. Hand-made SVG: deterministic, no layout engine.

:func:`sop_svg` returns the SVG text; :func:`write_drawing` writes ``.svg``, ``.html`` (the SVG
in a printable page) or ``.png`` (the HTML shot by headless Chromium).
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import SopError
from pipeline.sop.model import Langkah, Sop

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
SIZE = 11
CHAR = 6.3  # average width of a character at SIZE, px
LINE = 13
MARGIN = 20
NO_W, KEG_W, ROLE_W = 30, 230, 100
MUTU_W = (150, 78, 130)  # kelengkapan, waktu, output
KET_W = 140
SHAPE = {"proses": (64, 30), "terminator": (64, 28), "keputusan": (48, 36)}
MIN_ROW = 62
INK = "#1a1a1a"


def _wrap(text: str, width: float) -> list[str]:
    return textwrap.wrap(text, max(4, int((width - 10) / CHAR))) or [""]


def _text(x: float, y: float, lines: list[str], anchor: str = "start", weight: str = "normal",
          size: int = SIZE, cls: str = "") -> str:
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE}">{html.escape(t)}</tspan>'
                    for i, t in enumerate(lines))
    c = f' class="{cls}"' if cls else ""
    return (f'<text{c} x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
            f'text-anchor="{anchor}">{spans}</text>')


@dataclass
class _Layout:
    sop: Sop
    cols: list[tuple[str, float, float]]  # (name, x, width) of every column
    role_x: dict[str, float]  # role id -> left x of its column
    row_y: list[float]  # top of each step row
    row_h: list[float]
    top: float  # top of the table header
    header_h: float
    width: float
    height: float

    def center(self, index: int) -> tuple[float, float]:
        step = self.sop.langkah[index]
        return self.role_x[step.pelaksana] + ROLE_W / 2, self.row_y[index] + self.row_h[index] / 2


def _cells(step: Langkah, number: int, sop: Sop) -> dict[str, list[str]]:
    notes = []
    for c in step.cabang:
        if c.kembali:
            target = sop.step_ids.index(c.ke) + 1
            bound = f", maks {c.maks_ulang}x" if c.maks_ulang else ""
            notes.append(f"{c.label}: kembali ke langkah {target}{bound}")
    if step.hasil:
        notes.append(f"Hasil: {step.hasil}")
    if not step.dicatat:
        notes.append("Tidak dicatat di sistem")
    kel = [line for item in step.mutu_baku.kelengkapan for line in _wrap("• " + item, MUTU_W[0])]
    return {
        "no": [str(number)],
        "kegiatan": _wrap(step.kegiatan, KEG_W),
        "kelengkapan": kel or [""],
        "waktu": _wrap(step.mutu_baku.waktu.text, MUTU_W[1]) if step.mutu_baku.waktu else ["-"],
        "output": _wrap(step.mutu_baku.output or "-", MUTU_W[2]),
        "keterangan": [line for n in notes for line in _wrap(n, KET_W)] or [""],
    }


def _layout(sop: Sop) -> tuple[_Layout, list[dict[str, list[str]]]]:
    cols = [("No", NO_W), ("Kegiatan", KEG_W)]
    cols += [(p.nama, ROLE_W) for p in sop.pelaksana]
    cols += [("Kelengkapan", MUTU_W[0]), ("Waktu", MUTU_W[1]), ("Output", MUTU_W[2]),
             ("Keterangan", KET_W)]
    placed, x = [], float(MARGIN)
    for name, w in cols:
        placed.append((name, x, float(w)))
        x += w
    role_x = {p.id: placed[2 + i][1] for i, p in enumerate(sop.pelaksana)}
    role_lines = max(len(_wrap(p.nama, ROLE_W)) for p in sop.pelaksana)
    header_h = 24 + role_lines * LINE + 12
    top = MARGIN + 78.0
    cells = [_cells(s, i + 1, sop) for i, s in enumerate(sop.langkah)]
    row_y, row_h, y = [], [], top + header_h
    for c in cells:
        h = max(MIN_ROW, max(len(v) for v in c.values()) * LINE + 14)
        row_y.append(y)
        row_h.append(float(h))
        y += h
    layout = _Layout(sop, placed, role_x, row_y, row_h, top, header_h, x + MARGIN, y + 60)
    return layout, cells


def _shape(step: Langkah, cx: float, cy: float) -> str:
    w, h = SHAPE[step.simbol]
    dash = ' stroke-dasharray="4 3"' if not step.dicatat else ""
    style = f'fill="#ffffff" stroke="{INK}" stroke-width="1.4"{dash}'
    if step.simbol == "terminator":
        body = (f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w}" height="{h}" '
                f'rx="{h / 2}" {style}/>')
    elif step.simbol == "proses":
        body = f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w}" height="{h}" {style}/>'
    else:
        pts = f"{cx},{cy - h / 2} {cx + w / 2},{cy} {cx},{cy + h / 2} {cx - w / 2},{cy}"
        body = f'<polygon points="{pts}" {style}/>'
    return (f'<g class="step" data-step="{html.escape(step.id)}" data-simbol="{step.simbol}" '
            f'data-role="{html.escape(step.pelaksana)}">{body}</g>')


def _arrows(lay: _Layout) -> list[str]:
    sop = lay.sop
    index = {s.id: i for i, s in enumerate(sop.langkah)}
    out: list[str] = []
    channel: dict[float, int] = {}  # column left x -> return arrows drawn in it so far
    exits: dict[str, set[str]] = {}  # step id -> sides its own arrows leave from

    def occupied(col_x: float, lo: int, hi: int) -> bool:
        return any(lay.role_x[sop.langkah[k].pelaksana] == col_x for k in range(lo + 1, hi))

    for i, step in enumerate(sop.langkah):
        cx, cy = lay.center(i)
        w, h = SHAPE[step.simbol]
        sides_used: set[str] = set()
        exits[step.id] = sides_used
        arrows = [(step.berikut, "", False)] if step.berikut else \
            [(c.ke, c.label, c.kembali) for c in step.cabang]
        for target, label, kembali in arrows:
            if target is None:
                continue
            j = index[target]
            tx, ty = lay.center(j)
            tw, th = SHAPE[sop.langkah[j].simbol]
            src_col, dst_col = lay.role_x[step.pelaksana], lay.role_x[sop.langkah[j].pelaksana]
            if j > i and not kembali:
                turn_y = lay.row_y[j] + 7
                if "bottom" not in sides_used and not occupied(src_col, i, j):
                    sides_used.add("bottom")
                    pts = [(cx, cy + h / 2), (cx, turn_y), (tx, turn_y), (tx, ty - th / 2)]
                    lx, ly = cx + 4, cy + h / 2 + 11
                else:
                    side = "left" if tx < cx else "right"
                    if side in sides_used:
                        side = "right" if side == "left" else "left"
                    sides_used.add(side)
                    sx = cx - w / 2 if side == "left" else cx + w / 2
                    edge = src_col + 7 if side == "left" else src_col + ROLE_W - 7
                    if dst_col != src_col and not occupied(dst_col, i, j):
                        pts = [(sx, cy), (tx, cy), (tx, ty - th / 2)]
                    else:
                        pts = [(sx, cy), (edge, cy), (edge, turn_y), (tx, turn_y),
                               (tx, ty - th / 2)]
                    lx, ly = sx + (4 if side == "right" else -4), cy - 5
                cls = "arrow"
            else:
                side = "left" if (tx < cx or "right" in sides_used) and "left" not in sides_used \
                    else "right"
                sides_used.add(side)
                n = channel.get(src_col + (0 if side == "left" else 1), 0)
                channel[src_col + (0 if side == "left" else 1)] = n + 1
                sx = cx - w / 2 if side == "left" else cx + w / 2
                edge = src_col + 5 + 5 * n if side == "left" else src_col + ROLE_W - 5 - 5 * n
                facing = "left" if edge < tx else "right"
                taken = exits.get(target, set())
                if {"left", "right"} <= taken:  # both sides are exits: join the arrow on top
                    join = lay.row_y[j] + 7
                    pts = [(sx, cy), (edge, cy), (edge, join), (tx, join), (tx, ty - th / 2)]
                elif facing not in taken:
                    enter = tx - tw / 2 if facing == "left" else tx + tw / 2
                    pts = [(sx, cy), (edge, cy), (edge, ty), (enter, ty)]
                else:  # that side is the target's own exit: go over it, enter the other side
                    far = tx + tw / 2 + 12 if facing == "left" else tx - tw / 2 - 12
                    over = ty - th / 2 - 7
                    pts = [(sx, cy), (edge, cy), (edge, over), (far, over), (far, ty),
                           (tx + tw / 2 if facing == "left" else tx - tw / 2, ty)]
                lx, ly = sx + (2 if side == "right" else -2), cy + 14
                cls = "arrow kembali"
            d = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in pts)
            out.append(f'<path class="{cls}" data-from="{html.escape(step.id)}" '
                       f'data-to="{html.escape(target)}" d="{d}" fill="none" stroke="{INK}" '
                       f'stroke-width="1.1" marker-end="url(#head)"/>')
            if label:
                anchor = "end" if lx < cx else "start"
                out.append(_text(lx, ly, [label], anchor=anchor, size=9, cls="label"))
    return out


def sop_svg(sop: Sop) -> str:
    """The flowchart table of ``sop`` as a standalone SVG document."""
    lay, cells = _layout(sop)
    idn = sop.identitas
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" '
        f'height="{lay.height:.0f}" viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" '
        f'font-family="{FONT}" fill="{INK}">',
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker>'
        '</defs>',
        f'<rect width="{lay.width:.0f}" height="{lay.height:.0f}" fill="#ffffff"/>',
        _text(MARGIN, MARGIN + 14, [f"SOP: {idn.judul}"], weight="bold", size=16, cls="title"),
    ]
    meta = [f"Nomor SOP: {idn.nomor_sop or '-'}",
            f"Tanggal efektif: {idn.tanggal_efektif.isoformat()}",
            f"Layanan: {idn.layanan}"]
    unit = " - ".join(x for x in (idn.unit_kerja, idn.instansi) if x)
    parts.append(_text(MARGIN, MARGIN + 36, [unit or "", "    ".join(meta)], size=11))
    parts += _header(lay)
    right = lay.cols[-1][1] + lay.cols[-1][2]
    keys = ["no", "kegiatan"] + [""] * len(sop.pelaksana) + \
        ["kelengkapan", "waktu", "output", "keterangan"]
    for i, c in enumerate(cells):
        y, h = lay.row_y[i], lay.row_h[i]
        parts.append(f'<g class="row" data-step="{html.escape(sop.langkah[i].id)}">')
        parts.append(f'<line x1="{MARGIN}" y1="{y + h:.1f}" x2="{right:.1f}" y2="{y + h:.1f}" '
                     f'stroke="{INK}" stroke-width="0.8"/>')
        for (_, x, w), key in zip(lay.cols, keys, strict=True):
            if not key:
                continue
            anchor = "middle" if key in ("no", "waktu") else "start"
            tx = x + w / 2 if anchor == "middle" else x + 5
            parts.append(_text(tx, y + 16, c[key], anchor=anchor, cls=key))
        parts.append("</g>")
    bottom = lay.row_y[-1] + lay.row_h[-1]
    roles = len(sop.pelaksana)
    full = {0, 1, 2, 2 + roles, len(lay.cols) - 1}  # lines through the spanning header row
    for k, (_, x, _w) in enumerate(lay.cols):
        y0 = lay.top if k in full else lay.top + 24
        parts.append(f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
                     f'stroke="{INK}" stroke-width="0.8"/>')
    parts.append(f'<rect x="{MARGIN}" y="{lay.top:.1f}" width="{right - MARGIN:.1f}" '
                 f'height="{bottom - lay.top:.1f}" fill="none" stroke="{INK}" stroke-width="1.4"/>')
    parts += _arrows(lay)
    parts += [_shape(s, *lay.center(i)) for i, s in enumerate(sop.langkah)]
    sp = sop.standar_pelayanan
    if sp.jangka_waktu:
        span = f" (dari selesainya '{sp.mulai or sop.start.id}' sampai '{sp.selesai or 'akhir'}')"
        parts.append(_text(MARGIN, bottom + 22,
                           [f"Jangka waktu penyelesaian (Standar Pelayanan): "
                            f"{sp.jangka_waktu.text}{span}"], size=11, cls="promise"))
    parts.append(_text(MARGIN, bottom + 40, [
        "Simbol: oval = mulai/selesai, persegi = proses, belah ketupat = keputusan, "
        "garis putus-putus = tidak dicatat di sistem"], size=9))
    parts.append("</svg>")
    return "\n".join(parts)


def _header(lay: _Layout) -> list[str]:
    top, h = lay.top, lay.header_h
    roles = lay.sop.pelaksana
    first_role, last_mutu = lay.cols[2], lay.cols[-2]
    mutu_x = lay.cols[2 + len(roles)][1]
    out = [f'<rect x="{MARGIN}" y="{top:.1f}" width="{lay.width - 2 * MARGIN:.1f}" '
           f'height="{h:.1f}" fill="#e8e8e8" stroke="none"/>',
           f'<line x1="{first_role[1]:.1f}" y1="{top + 24:.1f}" '
           f'x2="{last_mutu[1] + last_mutu[2]:.1f}" y2="{top + 24:.1f}" stroke="{INK}" '
           'stroke-width="0.8"/>',
           f'<line x1="{MARGIN}" y1="{top + h:.1f}" x2="{lay.width - MARGIN:.1f}" '
           f'y2="{top + h:.1f}" stroke="{INK}" stroke-width="1.4"/>']
    for name, x, w in (lay.cols[0], lay.cols[1], lay.cols[-1]):
        out.append(_text(x + w / 2, top + h / 2 + 4, [name], anchor="middle", weight="bold"))
    out.append(_text((first_role[1] + mutu_x) / 2, top + 16, ["Pelaksana"], anchor="middle",
                     weight="bold"))
    out.append(_text((mutu_x + last_mutu[1] + last_mutu[2]) / 2, top + 16, ["Mutu Baku"],
                     anchor="middle", weight="bold"))
    for k, role in enumerate(roles):
        _, x, w = lay.cols[2 + k]
        out.append(f'<g class="lane" data-role="{html.escape(role.id)}" data-x="{x:.1f}" '
                   f'data-width="{w:.1f}">')
        out.append(_text(x + w / 2, top + 24 + 16, _wrap(role.nama, w), anchor="middle",
                         size=10, weight="bold"))
        out.append("</g>")
    for name, x, w in lay.cols[2 + len(roles):-1]:
        out.append(_text(x + w / 2, top + 24 + 16, [name], anchor="middle", size=10,
                         weight="bold"))
    return out


def sop_html(sop: Sop) -> str:
    """A printable page (A4 landscape) holding the SVG."""
    title = html.escape(f"SOP {sop.identitas.judul}")
    return ("<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title><style>@page {{ size: A4 landscape; margin: 10mm; }} "
            "html, body { margin: 0; background: #fff; } svg { display: block; max-width: 100%; "
            "height: auto; }</style></head><body>\n" + sop_svg(sop) + "\n</body></html>\n")


def chromium() -> str:
    """The headless browser used for PNG (Debian package ``chromium``)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SopError("PNG output needs Chromium, which is not installed",
                   fix="Install it (Debian: apt-get install chromium), or write .svg or .html.")


def write_drawing(sop: Sop, out: str | Path) -> Path:
    """Write the drawing; the format follows the suffix of ``out`` (.svg, .html, .png)."""
    target = Path(out)
    suffix = target.suffix.lower()
    if suffix == ".svg":
        target.write_text(sop_svg(sop), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        target.write_text(sop_html(sop), encoding="utf-8")
    elif suffix == ".png":
        _png(sop, target)
    else:
        raise SopError(f"cannot draw to '{target.suffix}'", file=target,
                       fix="Name the output .svg, .html or .png.")
    return target


def _png(sop: Sop, target: Path) -> None:
    lay, _ = _layout(sop)
    browser = chromium()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "sop.html"
        page.write_text(sop_html(sop).replace("max-width: 100%;", ""), encoding="utf-8")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={tmp}/profile", "--force-device-scale-factor=1.5",
               f"--window-size={int(lay.width)},{int(lay.height)}",
               f"--screenshot={target.resolve()}", page.as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not target.exists():
        raise SopError(f"Chromium could not render the PNG ({done.stderr.strip()[-300:]})",
                       file=target, fix="Write .svg or .html instead, or check Chromium.")
