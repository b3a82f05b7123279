"""The official flowchart table: one lane per pelaksana, one shape per step in its lane, the
return arrows, the mutu baku columns; and the PNG an analyst prints."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from pipeline.sop import load_sop
from pipeline.sop.draw import sop_html, sop_svg, write_drawing

REPO = Path(__file__).resolve().parents[1]
SOPS = sorted((REPO / "data" / "sop").glob("*.yaml"))
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("path", SOPS, ids=lambda p: p.stem)
def test_one_lane_per_role_and_one_shape_per_step(path: Path) -> None:
    sop = load_sop(path)
    root = etree.fromstring(sop_svg(sop).encode())
    lanes = {g.get("data-role"): g for g in root.iter(f"{SVG}g") if g.get("class") == "lane"}
    assert list(lanes) == [p.id for p in sop.pelaksana]
    steps = [g for g in root.iter(f"{SVG}g") if g.get("class") == "step"]
    assert [g.get("data-step") for g in steps] == list(sop.step_ids)
    for g, step in zip(steps, sop.langkah, strict=True):
        assert g.get("data-simbol") == step.simbol
        shape = g[0]
        if shape.tag == f"{SVG}polygon":
            xs = [float(p.split(",")[0]) for p in shape.get("points").split()]
            left, right = min(xs), max(xs)
        else:
            left = float(shape.get("x"))
            right = left + float(shape.get("width"))
        lane = lanes[step.pelaksana]
        lane_x, lane_w = float(lane.get("data-x")), float(lane.get("data-width"))
        assert lane_x < left < right < lane_x + lane_w, step.id
    arrows = [(p.get("data-from"), p.get("data-to"), "kembali" in p.get("class"))
              for p in root.iter(f"{SVG}path") if "arrow" in (p.get("class") or "")]
    expected = [(s.id, t, k) for s in sop.langkah for t, k in s.edges()]
    assert arrows == expected


def test_mutu_baku_columns_carry_the_time_text() -> None:
    sop = load_sop(REPO / "data/sop/kk-baru-2024.yaml")
    root = etree.fromstring(sop_svg(sop).encode())
    rows = {g.get("data-step"): g for g in root.iter(f"{SVG}g") if g.get("class") == "row"}
    waktu = {k: " ".join(t.itertext()) for k, g in rows.items()
             for t in g if t.get("class") == "waktu"}
    assert waktu["tte"] == "1 hari kerja"  # wrapped over two lines of the cell
    assert waktu["ajukan"] == "-"
    headers = [("".join(t.itertext())) for t in root.iter(f"{SVG}text")]
    for column in ("Kegiatan", "Pelaksana", "Mutu Baku", "Kelengkapan", "Waktu", "Output"):
        assert column in headers


def test_drawing_is_deterministic_and_html_wraps_it() -> None:
    sop = load_sop(REPO / "data/sop/pbg.yaml")
    assert sop_svg(sop) == sop_svg(sop)
    assert sop_svg(sop) in sop_html(sop)


@pytest.mark.skipif(not shutil.which("chromium"), reason="PNG needs Debian's chromium")
def test_png_is_written(tmp_path: Path) -> None:
    out = write_drawing(load_sop(REPO / "data/sop/akta-kelahiran.yaml"), tmp_path / "akta.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
