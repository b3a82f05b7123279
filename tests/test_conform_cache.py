"""Alignments are computed once per model and variant and kept in the warehouse; the aligner
gives the same answer whatever the order of the net's objects; texts exist in both languages."""

from __future__ import annotations

import pandas as pd

from pipeline.conform import check
from pipeline.sop import SopLibrary
from pipeline.texts import TEXTS
from tests.test_conform_support import SOP, load, tiny_log

KK = "ajukan periksa entri validasi tte cetak serahkan"


def test_a_rerun_and_a_new_load_align_only_new_variants(warehouse, settings, tmp_path):
    library = SopLibrary.load(SOP)
    load(warehouse, settings, tiny_log({"A1": KK, "A2": KK, "A3": "ajukan periksa entri tte "
                                        "cetak serahkan"}), tmp_path)
    first = check(warehouse, library, settings)
    assert (first.variants, first.variants_aligned) == (2, 2)
    again = check(warehouse, library, settings)
    assert (again.variants, again.variants_aligned, again.run_id) == (2, 0, first.run_id + 1)
    later = tiny_log({"B1": KK, "B2": "ajukan periksa validasi entri tte cetak serahkan"},
                     start=pd.Timestamp("2025-03-11 08:00", tz="Asia/Jakarta"))
    load(warehouse, settings, later, tmp_path, name="later.csv")
    third = check(warehouse, library, settings)
    assert (third.variants, third.variants_aligned) == (3, 1)
    assert warehouse.scalar("SELECT count(*) FROM alignment_cache") == 3
    per_run = warehouse.rows("SELECT run_id, count(*) FROM case_results GROUP BY 1 ORDER BY 1")
    assert per_run == [(1, 3), (2, 3), (3, 5)]


def test_cached_and_fresh_alignments_give_the_same_deviations(warehouse, settings, tmp_path):
    library = SopLibrary.load(SOP)
    load(warehouse, settings, tiny_log({"A5": "ajukan periksa validasi entri tte cetak serahkan",
                                        "A4": "ajukan periksa entri validasi validasi tte cetak "
                                              "serahkan"}), tmp_path)
    query = "SELECT case_id, jenis, langkah, aktivitas, waktu, keterangan FROM deviations " \
            "WHERE run_id = ? ORDER BY case_id, urutan"
    fresh = check(warehouse, library, settings)
    cached = check(warehouse, library, settings)
    assert cached.variants_aligned == 0
    assert warehouse.rows(query, [fresh.run_id]) == warehouse.rows(query, [cached.run_id])


def test_every_text_exists_in_indonesian_and_english(warehouse, settings, tmp_path):
    assert set(TEXTS["id"]) == set(TEXTS["en"])
    load(warehouse, settings, tiny_log({"A2": "ajukan periksa entri tte cetak serahkan"}),
         tmp_path)
    check(warehouse, SopLibrary.load(SOP), settings, language="en")
    assert warehouse.scalar("SELECT keterangan FROM deviations WHERE jenis = 'skipped_step'") == \
        "Step 'validasi' (Memvalidasi draf KK terhadap berkas) was skipped."
