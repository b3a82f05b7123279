"""Each deviation code on tiny logs in the domain's words, against the real Kepahiang SOPs
(``data/sop``), through the real ingest, warehouse and CSV writer. One block per code."""

from __future__ import annotations

import pandas as pd

from tests.test_conform_support import PEOPLE, SOP, START, checked, codes, tiny_log

KK = "ajukan periksa entri validasi tte cetak serahkan"


def at(minutes: float) -> str:
    return (START + pd.Timedelta(minutes=minutes)).isoformat()


# --- a case that follows the SOP -----------------------------------------------------------


def test_a_case_that_follows_the_sop_has_fitness_1_and_no_deviation(warehouse, settings, tmp_path):
    cases, deviations = checked(warehouse, settings, tiny_log({"A1": KK}), tmp_path)
    assert deviations.empty
    a1 = cases.loc["A1"]
    assert (a1["fitness"], a1["status"], a1["jumlah_penyimpangan"]) == ("1.0", "selesai", "0")
    assert a1["sop"] == "470/012/DUKCAPIL/2024 (2024-02-01)"
    assert (a1["mulai"], a1["selesai"]) == (at(0), at(30))
    assert (a1["waktu_penyelesaian_hari_kerja"], a1["batas_hari_kerja"], a1["tepat_waktu"]) == \
        ("0", "3", "true")


# --- skipped_step --------------------------------------------------------------------------


def test_validasi_left_out_is_a_skipped_step_named_in_indonesian(warehouse, settings, tmp_path):
    cases, deviations = checked(warehouse, settings,
                                tiny_log({"A2": "ajukan periksa entri tte cetak serahkan"}),
                                tmp_path)
    # the SOP's own control 'validasi wajib sebelum tte' is broken as well, at tte
    assert codes(deviations, "A2") == [("skipped_step", "validasi"), ("rule_violation", "validasi")]
    skip, rule = deviations.iloc[0], deviations.iloc[1]
    assert skip["keterangan"] == "Langkah 'validasi' (Memvalidasi draf KK terhadap berkas) dilewati."
    assert skip["aktivitas"] == "" and skip["waktu"] == at(15)  # noticed at tte
    assert (rule["aktivitas"], rule["waktu"]) == ("tte", at(15))
    assert rule["keterangan"] == ("Langkah 'tte' dilakukan tanpa 'validasi' sebelumnya (aturan: "
                                  "'validasi' wajib sebelum 'tte').")
    assert cases.loc["A2", "fitness"] == "0.923077"  # 1 - 1 / (6 events + 7 steps)
    assert cases.loc["A2", "jumlah_penyimpangan"] == "2"


# --- extra_step ----------------------------------------------------------------------------


def test_an_activity_the_sop_does_not_know_is_an_extra_step(warehouse, settings, tmp_path):
    log = tiny_log({"A3": "ajukan periksa entri validasi tte cetak arsip_lokal serahkan"})
    _, deviations = checked(warehouse, settings, log, tmp_path)
    assert codes(deviations, "A3") == [("extra_step", "")]
    row = deviations.iloc[0]
    assert (row["aktivitas"], row["waktu"]) == ("arsip_lokal", at(30))
    assert row["keterangan"] == "Kegiatan 'arsip_lokal' tidak ada dalam SOP."


def test_a_step_repeated_without_a_return_edge_is_one_extra_step(warehouse, settings, tmp_path):
    log = tiny_log({"A4": "ajukan periksa entri validasi validasi tte cetak serahkan"})
    _, deviations = checked(warehouse, settings, log, tmp_path)
    # not "rework back to entri with entri skipped": validasi has no edge back to itself
    assert codes(deviations, "A4") == [("extra_step", "validasi")]
    assert deviations.iloc[0]["waktu"] == at(20)  # the second validasi is the extra one


# --- wrong_order ---------------------------------------------------------------------------


def test_two_adjacent_steps_swapped_are_one_wrong_order(warehouse, settings, tmp_path):
    log = tiny_log({"A5": "ajukan periksa validasi entri tte cetak serahkan"})
    cases, deviations = checked(warehouse, settings, log, tmp_path)
    # not a skipped entri plus an extra entri: one finding, at the step done too early
    assert codes(deviations, "A5") == [("wrong_order", "validasi")]
    row = deviations.iloc[0]
    assert (row["aktivitas"], row["waktu"]) == ("validasi", at(10))
    assert row["keterangan"] == (
        "Langkah 'validasi' (Memvalidasi draf KK terhadap berkas) dilakukan sebelum 'entri', "
        "tidak sesuai urutan SOP.")
    assert cases.loc["A5", "jumlah_penyimpangan"] == "1"


def test_a_step_repeated_after_its_own_return_edge_is_rework_with_a_skip(warehouse, settings,
                                                                         tmp_path):
    # pbg: perbaiki sends the case back to periksa_teknis; two reviews in a row mean the
    # applicant's revision was not recorded, unlike validasi twice in kk (no edge back to it)
    log = tiny_log({"G1": "daftar verifikasi jadwal periksa_teknis periksa_teknis "
                          "hitung_retribusi bayar terbit serahkan"}, sop="pbg.yaml")
    _, deviations = checked(warehouse, settings, log, tmp_path, sops=(SOP / "pbg.yaml",))
    assert codes(deviations, "G1") == [("skipped_step", "perbaiki")]


# --- rework_over_limit ---------------------------------------------------------------------


def test_rework_at_its_limit_passes_and_over_it_is_reported(warehouse, settings, tmp_path):
    loop = "entri validasi "
    log = tiny_log({
        "R2": "ajukan periksa " + loop * 3 + "tte cetak serahkan",   # sent back twice: allowed
        "R3": "ajukan periksa " + loop * 4 + "tte cetak serahkan",   # three times: over 2
    })
    cases, deviations = checked(warehouse, settings, log, tmp_path)
    assert codes(deviations, "R2") == []
    assert cases.loc["R2", "fitness"] == "1.0"
    assert codes(deviations, "R3") == [("rework_over_limit", "validasi")]
    row = deviations.iloc[0]
    assert row["keterangan"] == ("Langkah 'validasi' (Memvalidasi draf KK terhadap berkas) "
                                 "dikembalikan ke 'entri' sebanyak 3 kali, melebihi batas 2 kali.")
    assert row["waktu"] == at(35)  # the validasi that sent it back the third time
    assert cases.loc["R3", "fitness"] == "1.0"  # the flow itself is allowed


# --- wrong_role ----------------------------------------------------------------------------


def test_validasi_by_an_operator_is_a_wrong_role(warehouse, settings, tmp_path):
    log = tiny_log({"W1": KK})
    log.loc[3, ["resource", "role"]] = [PEOPLE["operator"], "operator"]
    _, deviations = checked(warehouse, settings, log, tmp_path)
    assert ("wrong_role", "validasi") in codes(deviations, "W1")
    row = deviations[deviations["jenis"] == "wrong_role"].iloc[0]
    assert row["keterangan"] == (
        "Langkah 'validasi' (Memvalidasi draf KK terhadap berkas) dilakukan oleh "
        "198811232014022005 dengan peran 'operator', seharusnya Kepala Seksi Pendaftaran "
        "Penduduk (kasi).")


def test_a_role_from_the_staff_table_is_checked_too(warehouse, settings, tmp_path):
    log = tiny_log({"W2": KK})
    log["role"] = None
    log.loc[3, "resource"] = "NIP-MAGANG"
    staff = {PEOPLE[r]: r for r in ("fo", "operator", "kasi", "kadis")} | {"NIP-MAGANG": "fo"}
    _, deviations = checked(warehouse, settings, log, tmp_path, staff=staff)
    assert codes(deviations, "W2") == [("wrong_role", "validasi")]


def test_a_role_written_as_the_role_name_is_accepted(warehouse, settings, tmp_path):
    log = tiny_log({"W3": KK})
    log.loc[3, "role"] = "Kepala Seksi Pendaftaran Penduduk"
    _, deviations = checked(warehouse, settings, log, tmp_path)
    assert deviations.empty


# --- segregation_of_duties -----------------------------------------------------------------


def test_entri_and_validasi_by_one_person_break_segregation_of_duties(warehouse, settings,
                                                                      tmp_path):
    log = tiny_log({"S1": KK, "S2": KK})
    log.loc[(log["case_id"] == "S1") & (log["activity"] == "validasi"), "resource"] = \
        PEOPLE["operator"]
    _, deviations = checked(warehouse, settings, log, tmp_path)
    assert codes(deviations, "S1") == [("segregation_of_duties", "validasi")]
    assert codes(deviations, "S2") == []
    assert deviations.iloc[0]["keterangan"] == (
        "Langkah 'entri' dan 'validasi' dilakukan oleh orang yang sama (198811232014022005), "
        "padahal harus oleh dua orang berbeda.")


# --- rule_violation ------------------------------------------------------------------------

RULE_SOP = """format: sop-ap/1
identitas: {judul: Legalisir Dokumen, layanan: legalisir, tanggal_efektif: 2024-01-01}
pelaksana: [{id: pemohon, nama: Pemohon, eksternal: true}, {id: fo, nama: Petugas Loket}]
langkah:
  - {id: ajukan, simbol: terminator, kegiatan: Mengajukan dokumen, pelaksana: pemohon, berikut: periksa}
  - id: periksa
    simbol: keputusan
    kegiatan: Memeriksa dokumen asli
    pelaksana: fo
    cabang: [{label: Sesuai, ke: cap}, {label: Tidak sesuai, ke: ajukan, kembali: true}]
  - {id: cap, simbol: proses, kegiatan: Membubuhkan cap legalisir, pelaksana: fo, berikut: serahkan}
  - {id: serahkan, simbol: terminator, kegiatan: Menyerahkan dokumen, pelaksana: fo, hasil: selesai}
aturan:
  - {jenis: maks_kali, langkah: ajukan, maks: 2}
"""


def test_a_maks_kali_rule_broken_is_a_rule_violation(warehouse, settings, tmp_path):
    sop = tmp_path / "legalisir.yaml"
    sop.write_text(RULE_SOP, encoding="utf-8")
    log = tiny_log({"L2": "ajukan periksa ajukan periksa cap serahkan",
                    "L3": "ajukan periksa ajukan periksa ajukan periksa cap serahkan"},
                   layanan="legalisir")
    log["role"] = None
    cases, deviations = checked(warehouse, settings, log, tmp_path, sops=(sop,))
    assert codes(deviations, "L2") == []
    assert codes(deviations, "L3") == [("rule_violation", "ajukan")]
    assert deviations.iloc[0]["keterangan"] == (
        "Langkah 'ajukan' (Mengajukan dokumen) dilakukan 3 kali, melebihi batas 2 kali.")
    assert deviations.iloc[0]["waktu"] == at(20)
    assert cases.loc["L3", "fitness"] == "1.0"


def test_a_fourth_cetak_breaks_the_rework_limit_and_the_maks_kali_rule(warehouse, settings,
                                                                       tmp_path):
    # ktp-el: uji may send back to cetak twice (maks_ulang 2) and the rule allows cetak 3 times
    loop = "cetak uji "
    log = tiny_log({"K3": "ajukan periksa rekam " + loop * 3 + "serahkan",
                    "K4": "ajukan periksa rekam " + loop * 4 + "serahkan"}, sop="ktp-el.yaml")
    _, deviations = checked(warehouse, settings, log, tmp_path)
    assert codes(deviations, "K3") == []
    assert codes(deviations, "K4") == [("rework_over_limit", "uji"), ("rule_violation", "cetak")]
    rule = deviations[deviations["jenis"] == "rule_violation"].iloc[0]
    assert rule["waktu"] == at(45)  # the fourth cetak


# --- step_overtime -------------------------------------------------------------------------


def test_a_step_longer_than_its_mutu_baku_waktu_is_step_overtime(warehouse, settings, tmp_path):
    log = tiny_log({"T1": KK, "T2": KK})
    late = (log["case_id"] == "T1") & (log["activity"].isin(["validasi", "tte", "cetak",
                                                             "serahkan"]))
    log.loc[late, "timestamp"] += pd.Timedelta(minutes=40)  # validasi took 45 minutes
    lunch = ["11:30", "11:35", "11:50", "13:15", "13:20", "13:25", "13:30"]
    log.loc[log["case_id"] == "T2", "timestamp"] = [
        pd.Timestamp(f"2025-03-10 {hhmm}", tz="Asia/Jakarta") for hhmm in lunch]
    _, deviations = checked(warehouse, settings, log, tmp_path)
    assert codes(deviations, "T1") == [("step_overtime", "validasi")]
    assert deviations.iloc[0]["keterangan"] == (
        "Langkah 'validasi' (Memvalidasi draf KK terhadap berkas) memakan waktu 45 menit kerja, "
        "melebihi standar 30 menit.")
    # T2: validasi at 13:15 after entri at 11:50 is 85 minutes apart, but the office breaks
    # 12:00-13:00: 25 working minutes, within 30 menit
    assert codes(deviations, "T2") == []


# --- sla_breach ----------------------------------------------------------------------------


def test_a_case_finished_after_its_promise_is_an_sla_breach(warehouse, settings, tmp_path):
    log = tiny_log({"P1": KK})
    log.loc[log["activity"].isin(["tte", "cetak", "serahkan"]), "timestamp"] += pd.Timedelta(days=7)
    cases, deviations = checked(warehouse, settings, log, tmp_path)
    assert ("sla_breach", "serahkan") in codes(deviations, "P1")
    row = deviations[deviations["jenis"] == "sla_breach"].iloc[0]
    assert row["keterangan"] == ("Permohonan diselesaikan dalam 5 hari kerja, melebihi janji "
                                 "layanan 3 hari kerja.")
    assert (cases.loc["P1", "tepat_waktu"], cases.loc["P1", "waktu_penyelesaian_hari_kerja"]) == \
        ("false", "5")


def test_open_cases_are_judged_as_a_prefix_at_the_report_date(warehouse, settings, tmp_path):
    log = tiny_log({"B1": "ajukan periksa entri",          # ends early: still open
                    "B2": "ajukan periksa entri",          # open, overdue at the report date
                    "B3": "ajukan periksa validasi",       # open, and skipped entri already
                    "A1": KK})
    log.loc[log["case_id"] == "B2", "timestamp"] -= pd.Timedelta(days=14)
    cases, deviations = checked(warehouse, settings, log, tmp_path)
    assert (cases.loc["B1", "status"], cases.loc["B1", "fitness"]) == ("berjalan", "1.0")
    assert (cases.loc["B1", "selesai"], cases.loc["B1", "tepat_waktu"]) == ("", "")
    assert codes(deviations, "B1") == []  # no skipped_step for steps not reached yet
    assert codes(deviations, "B2") == [("sla_breach", "")]
    assert cases.loc["B2", "tepat_waktu"] == "false"
    assert deviations[deviations["case_id"] == "B2"].iloc[0]["keterangan"] == (
        "Permohonan masih berjalan dan telah melewati janji layanan 3 hari kerja "
        "(batas 2025-02-27 16:00 WIB).")  # started Monday 24 February
    assert codes(deviations, "B3") == [("skipped_step", "entri")]


def test_the_report_date_decides_whether_an_open_case_is_overdue(warehouse, settings, tmp_path):
    log = tiny_log({"B4": "ajukan periksa entri"})
    cases, deviations = checked(warehouse, settings, log, tmp_path, as_of="2025-03-20")
    assert codes(deviations, "B4") == [("sla_breach", "")]
    assert cases.loc["B4", "tepat_waktu"] == "false"


# --- which SOP ------------------------------------------------------------------------------


def test_each_case_is_checked_against_the_version_in_force_when_it_started(warehouse, settings,
                                                                           tmp_path):
    old = tiny_log({"K24": KK})
    new = tiny_log({"K25": "ajukan periksa entri validasi tte kirim"}, sop="kk-baru-2025.yaml",
                   start=pd.Timestamp("2025-07-07 08:00", tz="Asia/Jakarta"))
    cases, deviations = checked(warehouse, settings, pd.concat([old, new]), tmp_path)
    assert cases.loc["K24", "sop"] == "470/012/DUKCAPIL/2024 (2024-02-01)"
    assert cases.loc["K25", "sop"] == "470/012.1/DUKCAPIL/2025 (2025-07-01)"
    # kirim ends the 2025 case: cetak_mandiri is not recorded by any system
    assert (cases.loc["K25", "status"], cases.loc["K25", "fitness"]) == ("selesai", "1.0")
    assert deviations.empty


def test_a_case_of_a_service_without_an_sop_is_reported_not_dropped(warehouse, settings,
                                                                    tmp_path):
    log = pd.concat([tiny_log({"A1": KK}), tiny_log({"X1": "daftar bayar"}, layanan="izin-reklame")])
    cases, deviations = checked(warehouse, settings, log, tmp_path, sops=(SOP / "kk-baru-2024.yaml",))
    x1 = cases.loc["X1"]
    assert (x1["sop"], x1["status"], x1["fitness"], x1["jumlah_penyimpangan"]) == ("", "", "", "0")
    assert x1["catatan"] == "Tidak ada SOP untuk layanan 'izin-reklame'."
    assert x1["mulai"] == at(0)
    assert deviations.empty
