"""sopmine sop check / show, as an analyst runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.errors import SopError
from pipeline.sop.cli import sop

REPO = Path(__file__).resolve().parents[1]


def test_check_the_demo_library_summarises_each_sop() -> None:
    result = CliRunner().invoke(sop, ["check", str(REPO / "data/sop")])
    assert result.exit_code == 0, result.output
    assert "kk-baru-2025.yaml: Penerbitan Kartu Keluarga Baru (layanan kk-baru, in force from " \
        "2025-07-01)" in result.output
    assert "fastest path periksa > entri > validasi > tte > cetak > serahkan: 1.12 hari kerja " \
        "of step time; promise: 3 hari kerja" in result.output
    assert "6 model file(s) OK" in result.output


def test_check_a_broken_file_names_the_line() -> None:
    broken = REPO / "tests/data/sop/rusak/waktu-salah.yaml"
    result = CliRunner().invoke(sop, ["check", str(broken)])
    assert isinstance(result.exception, SopError)
    assert "1 of 1 model file(s) have errors" in str(result.exception)


def test_show_writes_svg(tmp_path: Path) -> None:
    out = tmp_path / "kk.svg"
    result = CliRunner().invoke(sop, ["show", str(REPO / "data/sop/kk-baru-2024.yaml"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<svg")


def test_show_refuses_a_bpmn_with_a_message() -> None:
    bpmn = REPO.parent / "shared/data/running_example/running-example.bpmn"
    with pytest.raises(SopError, match="'sop show' draws sop-ap/1 files"):
        CliRunner().invoke(sop, ["show", str(bpmn), "--out", "x.svg"], catch_exceptions=False)
