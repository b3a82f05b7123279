"""Every validation error of sop-format.md, on a corpus of broken copies of the spec's example
(tests/data/sop/rusak/): each names the file, the line and the fix, word for word."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import SopError
from pipeline.sop import load_sop, parse_sop, sop_warnings

HERE = Path(__file__).parent / "data" / "sop"
RUSAK = HERE / "rusak"
STEPS = "Known steps: ajukan, periksa, entri, validasi, tte, serahkan."
FORMS = ("Accepted forms: N menit, N jam, N hari kerja, N hari, N minggu, N x 24 jam "
         "(N a number, e.g. 15 menit, 1,5 jam, 3 hari kerja).")

EXPECTED = {
    "kunci-tak-dikenal": "line 39: unknown key 'kegiatn' in step 'entri'. Did you mean "
    "'kegiatan'? Known keys: id, simbol, kegiatan, pelaksana, mutu_baku, berikut, cabang, "
    "hasil, dicatat.",
    "kunci-hilang": "line 43: step 'validasi' has no 'pelaksana'. Add 'pelaksana:' (the role "
    "id that performs it).",
    "simbol-salah": "line 38: step 'entri' has simbol 'prosess', which is not an SOP symbol. "
    "Did you mean 'proses'? Use one of: terminator, proses, keputusan.",
    "pelaksana-salah": "line 54: step 'tte' is done by 'kadiss', which is not a pelaksana. "
    "Did you mean 'kadis'? Known roles: pemohon, fo, validator, kadis.",
    "cabang-ke-langkah-salah": "line 49: step 'validasi' branches to 'tandatangan', which is "
    f"not a step. {STEPS}",
    "berikut-salah": "line 56: step 'tte' leads to 'serah', which is not a step. Did you mean "
    f"'serahkan'? {STEPS}",
    "aturan-langkah-salah": "line 64: rule pemisahan_tugas names 'verifikasi', which is not a "
    f"step. {STEPS}",
    "id-ganda": "line 51: step id 'entri' is used twice (first at line 37). Give each one its "
    "own id.",
    "langkah-tak-terjangkau": "line 56: step 'serahkan' cannot be reached from the start step "
    "'ajukan'. Point a 'berikut' or 'cabang' of an earlier step to it, or remove it.",
    "tak-sampai-akhir": "line 38: from step 'tunda' no path leads to an end step. Give the loop "
    "a way out: a 'cabang' or 'berikut' towards a step without 'berikut' or 'cabang' (an end "
    "terminator).",
    "putaran-tanpa-kembali": "line 50: the arrow from step 'validasi' to step 'entri' closes a "
    "loop but is not marked 'kembali'. If it is rework, make it a cabang of a keputusan with "
    "'kembali: true'; otherwise point it to a later step.",
    "waktu-salah": f"line 41: 'waktu' in step 'entri' is '15 mnt', which is not a duration. "
    f"{FORMS}",
    "tanggal-salah": "line 10: 'tanggal_efektif' in identitas is '1 Februari 2024', which is "
    "not a date. Write it as YYYY-MM-DD, e.g. 'tanggal_efektif: 2024-02-01'.",
}


def test_the_spec_example_is_valid_and_keeps_duration_text() -> None:
    sop = load_sop(HERE / "kk-baru-contoh.yaml")
    assert sop.step_ids == ("ajukan", "periksa", "entri", "validasi", "tte", "serahkan")
    waktu = sop.step("tte").mutu_baku.waktu
    assert waktu is not None and waktu.text == "1 hari kerja" and waktu.days == 1
    assert sop.step("validasi").cabang[1].maks_ulang == 2
    assert sop_warnings(sop) == []


def test_every_broken_file_has_an_expected_message() -> None:
    assert sorted(p.stem for p in RUSAK.glob("*.yaml")) == sorted([*EXPECTED, "janji-terlampaui"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_sop_is_rejected_with_file_line_and_fix(name: str) -> None:
    path = RUSAK / f"{name}.yaml"
    with pytest.raises(SopError) as caught:
        load_sop(path)
    assert str(caught.value) == f"{path}, {EXPECTED[name]}"


def test_promise_shorter_than_the_step_times_is_a_warning_not_an_error() -> None:
    path = RUSAK / "janji-terlampaui.yaml"
    sop = load_sop(path)
    assert sop_warnings(sop) == [
        f"{path}, line 67: the step times on the fastest path (periksa > entri > validasi > "
        "tte > serahkan) add up to 1.10 hari kerja, more than the promise of 45 menit. The SOP "
        "is inconsistent with its own service standard: shorten the step times or revise the "
        "promise."]


def test_a_key_written_twice_names_both_lines() -> None:
    with pytest.raises(SopError, match=r"x.yaml, line 2: key 'format' is written twice "
                       r"\(first at line 1\)"):
        parse_sop("format: sop-ap/1\nformat: sop-ap/1\n", "x.yaml")


def test_a_missing_section_is_named() -> None:
    with pytest.raises(SopError, match=r"x.yaml, line 1: the file has no 'identitas'"):
        parse_sop("format: sop-ap/1\n", "x.yaml")
