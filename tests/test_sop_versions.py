"""The SOP in force when a case started: versions of one layanan by tanggal_efektif."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from pipeline.errors import SopError
from pipeline.sop import SopLibrary

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "data" / "sop"


def test_the_demo_library_has_every_service() -> None:
    lib = SopLibrary.load(LIBRARY)
    assert lib.layanan == ("akta-kelahiran", "kenaikan-pangkat-reguler", "kk-baru", "ktp-el", "pbg")
    assert [m.tanggal_efektif for m in lib.versions("kk-baru")] == [date(2024, 2, 1),
                                                                   date(2025, 7, 1)]


def test_a_case_started_before_the_revision_uses_the_old_sop() -> None:
    lib = SopLibrary.load(LIBRARY)
    assert lib.in_force("kk-baru", date(2025, 6, 30)).file.endswith("kk-baru-2024.yaml")
    assert lib.in_force("kk-baru", datetime(2025, 7, 1, 7, 30)).file.endswith("kk-baru-2025.yaml")
    assert lib.in_force("kk-baru", date(2026, 1, 5)).file.endswith("kk-baru-2025.yaml")


def test_a_case_before_the_first_version_is_an_error() -> None:
    lib = SopLibrary.load(LIBRARY)
    with pytest.raises(SopError, match=r"no version of layanan 'kk-baru' was in force on "
                       r"2023-12-31: the earliest, .*kk-baru-2024.yaml, takes effect on 2024-02-01"):
        lib.in_force("kk-baru", date(2023, 12, 31))


def test_unknown_layanan_lists_the_known_ones() -> None:
    with pytest.raises(SopError, match=r"no SOP for layanan 'kk'\. Known layanan: akta-kelahiran"):
        SopLibrary.load(LIBRARY).in_force("kk", date(2025, 1, 1))


def test_two_versions_with_the_same_date_are_an_error(tmp_path: Path) -> None:
    text = (LIBRARY / "kk-baru-2024.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text.replace("470/012/", "470/099/"))
    with pytest.raises(SopError, match=r"b.yaml: layanan 'kk-baru' has two versions in force "
                       r"from 2024-02-01: .*a.yaml and this file. Give the revised version a "
                       r"later tanggal_efektif"):
        SopLibrary.load(tmp_path)


def test_an_undated_bpmn_beside_a_dated_sop_overlaps(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text((LIBRARY / "kk-baru-2024.yaml").read_text(encoding="utf-8"))
    bpmn = REPO.parent / "shared/data/running_example/running-example.bpmn"
    (tmp_path / "b.bpmn").write_bytes(bpmn.read_bytes())
    (tmp_path / "b.mutu.yaml").write_text("layanan: kk-baru\n")
    with pytest.raises(SopError, match=r"versions that overlap: .*b.bpmn has no tanggal_efektif"):
        SopLibrary.load(tmp_path)
