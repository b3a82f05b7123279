"""The words of the reports, in Bahasa Indonesia (default) and English.

Every visible text of the HTML, the PDF and the workbook comes from :data:`TEXTS` through
:func:`text`; numbers are formatted by :func:`number`, :func:`percent` and :func:`days`
(Indonesian: decimal comma and thousands dot). A test checks that both languages have every key.
"""

from __future__ import annotations

import math
from typing import Any

LANGUAGES = ("id", "en")

#: Deviation codes (``event-log.md``) in the order reports list them.
JENIS = ("skipped_step", "extra_step", "wrong_order", "rework_over_limit", "wrong_role",
         "segregation_of_duties", "rule_violation", "step_overtime", "sla_breach")
#: Codes about time; the others are about the flow and its controls ("conformity").
TIME_JENIS = ("step_overtime", "sla_breach")

TEXTS: dict[str, tuple[str, str]] = {
    # -- titles and sections
    "title": ("Laporan Pemantauan Pelaksanaan SOP", "SOP Implementation Monitoring Report"),
    "bupati_title": ("Ringkasan untuk Bupati Kepahiang", "Summary for the Regent of Kepahiang"),
    "institution": ("Pemerintah Kabupaten Kepahiang", "Kepahiang Regency Government"),
    "period": ("Periode", "Period"),
    "previous_period": ("periode sebelumnya", "previous period"),
    "as_of": ("Keadaan per", "As of"),
    "scope": ("Cakupan", "Scope"),
    "all_services": ("semua layanan", "all services"),
    "all_units": ("semua unit", "all units"),
    "contents": ("Daftar isi", "Contents"),
    "sec_summary": ("Ringkasan eksekutif", "Executive summary"),
    "sec_services": ("Layanan", "Services"),
    "sec_quality": ("Kualitas data", "Data quality"),
    "sec_method": ("Metode dan manifes", "Method and manifest"),
    "generated": ("Dibuat dengan sopmine", "Made with sopmine"),
    # -- key figures
    "cases": ("Permohonan", "Cases"),
    "cases_long": ("Jumlah permohonan", "Number of cases"),
    "finished": ("Selesai", "Finished"),
    "open": ("Masih berjalan", "Still open"),
    "on_time": ("Selesai tepat waktu", "Finished on time"),
    "on_time_note": ("dari permohonan yang sudah dapat dinilai (selesai, atau masih berjalan "
                     "tetapi sudah melewati janji layanan)",
                     "of the cases that can be judged (finished, or still open but already "
                     "past the promise)"),
    "conforming": ("Sesuai SOP", "Conforming to the SOP"),
    "conforming_note": ("permohonan tanpa penyimpangan alur, pelaksana atau aturan",
                        "cases without a deviation of flow, role or rule"),
    "not_checked": ("belum diperiksa", "not checked"),
    "not_checked_note": ("Pemeriksaan kesesuaian alur belum dijalankan untuk data ini; "
                         "hanya penyimpangan waktu yang dihitung.",
                         "The conformance check has not been run on these data; only "
                         "deviations of time are counted."),
    "top_deviations": ("Tiga penyimpangan terbanyak", "The three most frequent deviations"),
    "no_deviations": ("Tidak ada penyimpangan.", "No deviations."),
    "trend": ("Perbandingan dengan periode sebelumnya", "Compared with the previous period"),
    "figure": ("Ukuran", "Figure"),
    "this_period": ("Periode ini", "This period"),
    "change": ("Perubahan", "Change"),
    "no_previous": ("tidak ada data", "no data"),
    "deviation": ("Penyimpangan", "Deviation"),
    "deviations": ("Penyimpangan", "Deviations"),
    "cases_affected": ("Permohonan terdampak", "Cases affected"),
    "occurrences": ("Kejadian", "Occurrences"),
    "share_of_cases": ("Bagian dari permohonan", "Share of cases"),
    "per_service": ("Per layanan", "Per service"),
    "service": ("Layanan", "Service"),
    "verdict": ("Penilaian", "Verdict"),
    "verdict_good": ("Berjalan dengan baik", "Running well"),
    "verdict_bad": ("Tidak berjalan dengan baik", "Not running well"),
    "verdict_none": ("Belum dapat dinilai", "Cannot be judged yet"),
    "threshold_note": ("Dinilai berjalan dengan baik bila sekurang-kurangnya {t} permohonan "
                       "sesuai SOP dan {t} selesai tepat waktu.",
                       "Rated running well when at least {t} of cases conform to the SOP and "
                       "{t} finish on time."),
    # -- per service
    "sop": ("SOP", "SOP"),
    "nomor_sop": ("Nomor SOP", "SOP number"),
    "tanggal_efektif": ("Tanggal efektif", "Effective date"),
    "dasar_hukum": ("Dasar hukum", "Legal basis"),
    "promise": ("Janji layanan", "Service promise"),
    "no_sop": ("Tidak ada SOP untuk layanan ini.", "No SOP for this service."),
    "map": ("Alur SOP dan alur nyata", "The SOP and the actual flow"),
    "map_legend": ("Hitam: sesuai SOP dan dilalui; merah putus-putus: menyimpang; abu-abu "
                   "titik-titik: ada di SOP, tidak pernah dilalui.",
                   "Black: in the SOP and taken; red dashed: deviating; grey dotted: in the "
                   "SOP, never taken."),
    "map_missing": ("Peta tidak digambar: {why}", "Map not drawn: {why}"),
    "variants": ("Varian alur", "Variants"),
    "variant": ("Varian", "Variant"),
    "variants_note": ("{n} varian berbeda; ditampilkan {k} yang terbanyak.",
                      "{n} distinct variants; the {k} most frequent shown."),
    "path": ("Urutan langkah", "Steps in order"),
    "share": ("Bagian", "Share"),
    "dev_by_step": ("Penyimpangan per langkah", "Deviations by step"),
    "dev_by_unit": ("Penyimpangan per unit", "Deviations by unit"),
    "dev_by_role": ("Penyimpangan per peran pelaksana", "Deviations by role"),
    "turnaround": ("Waktu penyelesaian dibanding janji layanan",
                   "Turnaround against the promise"),
    "working_days": ("Hari kerja", "Working days"),
    "step_times": ("Waktu per langkah dibanding mutu baku", "Step times against the standard"),
    "bottlenecks": ("Hambatan", "Bottlenecks"),
    "step": ("Langkah", "Step"),
    "kegiatan": ("Kegiatan", "Activity"),
    "pelaksana": ("Pelaksana", "Role"),
    "standard": ("Mutu baku waktu", "Time standard"),
    "events": ("Kejadian", "Events"),
    "median": ("Median", "Median"),
    "p90": ("P90", "P90"),
    "over_standard": ("Melebihi mutu baku", "Over the standard"),
    "minutes": ("menit kerja", "working minutes"),
    "hours": ("jam kerja", "working hours"),
    "kind": ("Jenis", "Kind"),
    "kind_step": ("langkah", "step"),
    "kind_handover": ("perpindahan", "hand-over"),
    "from_to": ("Dari → ke", "From → to"),
    "total_time": ("Total waktu kerja (jam)", "Total working time (hours)"),
    "share_time": ("Bagian waktu", "Share of time"),
    "unit": ("Unit", "Unit"),
    "role": ("Peran", "Role"),
    "none_found": ("Tidak ada.", "None."),
    "on_time_by_unit": ("Tepat waktu per unit", "On time by unit"),
    # -- quality
    "loads": ("Berkas yang dimuat", "Files loaded"),
    "file": ("Berkas", "File"),
    "hash": ("Hash isi (SHA-256)", "Content hash (SHA-256)"),
    "loaded_at": ("Dimuat", "Loaded"),
    "rows_read": ("Baris dibaca", "Rows read"),
    "rows_loaded": ("Dimuat", "Loaded"),
    "rows_quarantined": ("Dikarantina", "Quarantined"),
    "rows_duplicate": ("Sudah ada", "Already stored"),
    "quarantine_reason": ("Alasan karantina", "Quarantine reason"),
    "q_gaps": ("Permohonan dengan jeda lebih dari {d} hari", "Cases with a gap of over {d} days"),
    "q_off_hours": ("Kejadian di luar jam kerja", "Events outside office hours"),
    "q_identical": ("Kejadian kembar", "Identical events"),
    "q_unmapped": ("Label aktivitas tanpa pemetaan", "Activity labels not mapped"),
    # -- method
    "method_text": (
        "Sebuah permohonan masuk periode bila kejadian pertamanya jatuh pada tanggal periode "
        "(waktu setempat). Permohonan yang belum selesai dinilai per akhir periode, atau per "
        "kejadian terakhir dalam data bila lebih awal: kejadian sesudahnya diabaikan. Waktu "
        "penyelesaian dihitung dalam hari kerja menurut kalender kerja (hari libur nasional dan "
        "cuti bersama dikecualikan), dari langkah mulai sampai langkah selesai standar "
        "pelayanan. Setiap angka dibandingkan dengan periode sebelumnya yang sama panjangnya.",
        "A case belongs to the period when its first event falls on one of its dates (local "
        "time). Open cases are judged at the end of the period, or at the last event in the "
        "data when that is earlier: later events are ignored. Turnaround is counted in working "
        "days on the working calendar (national holidays and joint leave excluded), from the "
        "start step to the end step of the service standard. Every figure is compared with "
        "the previous period of the same length."),
    "inputs": ("Masukan", "Inputs"),
    "sop_versions": ("Versi SOP", "SOP versions"),
    "calendar": ("Kalender kerja", "Working calendar"),
    "software": ("Versi perangkat lunak", "Software versions"),
    "parameters": ("Parameter", "Parameters"),
    "file_hash": ("Hash berkas", "File hash"),
    "privacy": ("Laporan ini tidak memuat data pribadi: petugas dan pemohon hanya tampil "
                "sebagai nama samaran (pseudonim).",
                "This report holds no personal data: officers and applicants appear only as "
                "pseudonyms."),
    # -- PDF
    "key_figures": ("Angka utama", "Key figures"),
    "conclusion": ("Kesimpulan", "Conclusion"),
    "pdf_intro": (
        "Laporan ini menyajikan hasil pemantauan pelaksanaan Standar Operasional Prosedur (SOP) "
        "pada {n} layanan publik Pemerintah Kabupaten Kepahiang berdasarkan catatan aplikasi "
        "layanan, sesuai Peraturan Menteri PANRB Nomor 35 Tahun 2012.",
        "This report presents the monitoring of how the standard operating procedures (SOPs) "
        "of {n} public services of Kepahiang Regency are carried out, from the records of the "
        "service applications, per Permenpan RB 35/2012."),
    "pdf_lead": (
        "Pada periode {period} tercatat {cases} permohonan. Dari permohonan yang dapat dinilai, "
        "{on_time} selesai tepat waktu{conf}.",
        "In {period}, {cases} cases were recorded. Of the cases that can be judged, {on_time} "
        "finished on time{conf}."),
    "pdf_lead_conf": (", dan {conforming} permohonan dilaksanakan sesuai SOP",
                      ", and {conforming} of cases followed the SOP"),
    "pdf_service_good": (
        "Layanan {judul} berjalan dengan baik: {on_time} permohonan selesai tepat waktu{conf}.",
        "{judul} is running well: {on_time} of cases finished on time{conf}."),
    "pdf_service_bad": (
        "Layanan {judul} tidak berjalan dengan baik: {on_time} permohonan selesai tepat "
        "waktu{conf}. Perlu tindak lanjut oleh perangkat daerah pengampu.",
        "{judul} is not running well: {on_time} of cases finished on time{conf}. The "
        "responsible office needs to act."),
    "pdf_service_none": ("Layanan {judul} belum dapat dinilai karena belum ada permohonan "
                         "yang dapat dinilai pada periode ini.",
                         "{judul} cannot be judged: no case could be judged in this period."),
    "pdf_conf": (" dan {conforming} sesuai SOP", " and {conforming} conformed to the SOP"),
    "pdf_main_issue": ("Penyimpangan terbanyak: {what} ({n} permohonan).",
                       "Most frequent deviation: {what} ({n} cases)."),
    "pdf_trend_up": ("naik", "up"),
    "pdf_trend_down": ("turun", "down"),
    "pdf_more_services": ("Layanan lain tercantum pada tabel ringkasan.",
                          "Other services are listed in the summary table."),
    "pdf_footer": ("Rincian per permohonan tersedia dalam laporan HTML dan lembar kerja "
                   "Inspektorat.",
                   "Case-level details are in the HTML report and the Inspectorate workbook."),
    # -- workbook
    "wb_findings": ("Temuan", "Findings"),
    "wb_cases": ("Daftar penyimpangan", "Deviation list"),
    "wb_monitoring": ("Monitoring Tabel 7", "Monitoring Table 7"),
    "wb_summary": ("Ringkasan", "Summary"),
    "wb_manifest": ("Manifes", "Manifest"),
    "no": ("No", "No"),
    "kriteria": ("Kriteria", "Criteria"),
    "kondisi": ("Kondisi", "Condition"),
    "sebab": ("Sebab", "Cause"),
    "akibat": ("Akibat", "Effect"),
    "rekomendasi": ("Rekomendasi", "Recommendation"),
    "sebab_blank": ("(diisi auditor)", "(for the auditor)"),
    "example_cases": ("Contoh permohonan", "Example cases"),
    "case_id": ("Nomor permohonan", "Case"),
    "resource": ("Petugas (pseudonim)", "Officer (pseudonym)"),
    "jenis": ("Jenis penyimpangan", "Kind of deviation"),
    "aktivitas": ("Aktivitas", "Activity"),
    "waktu": ("Waktu", "Time"),
    "keterangan": ("Keterangan", "Description"),
    "mon_title": ("FORMULIR MONITORING PELAKSANAAN SOP AP", "SOP AP IMPLEMENTATION MONITORING FORM"),
    "mon_subtitle": ("Permenpan RB Nomor 35 Tahun 2012, Tabel 7",
                     "Permenpan RB 35/2012, Table 7"),
    "mon_unit": ("Unit kerja", "Work unit"),
    "mon_by": ("Nama yang melakukan monitoring", "Monitored by"),
    "mon_date": ("Tanggal", "Date"),
    "mon_procedure": ("Prosedur yang dimonitor", "Procedure monitored"),
    "mon_rating": ("Penilaian", "Rating"),
    "mon_notes": ("Catatan hasil penilaian", "Notes on the rating"),
    "mon_action": ("Tindakan yang harus diambil", "Action to take"),
    "mon_threshold": ("Ambang penilaian: {t} permohonan sesuai SOP dan {t} tepat waktu.",
                      "Rating threshold: {t} of cases conforming and {t} on time."),
    "mon_action_good": ("Pertahankan; pantau kembali pada periode berikutnya.",
                        "Keep it up; monitor again next period."),
    "mon_action_bad": ("Evaluasi pelaksanaan SOP bersama pelaksana; tindak lanjuti temuan {refs}.",
                       "Review the SOP's implementation with the staff; follow up findings {refs}."),
    "mon_action_none": ("Pantau kembali bila sudah ada permohonan yang dapat dinilai.",
                        "Monitor again once cases can be judged."),
    "mon_note": ("{cases} permohonan; {on_time} tepat waktu; {conforming} sesuai SOP; "
                 "penyimpangan terbanyak: {top}.",
                 "{cases} cases; {on_time} on time; {conforming} conforming; most frequent "
                 "deviation: {top}."),
}

#: Names of the deviation codes.
JENIS_TEXT: dict[str, tuple[str, str]] = {
    "skipped_step": ("Langkah dilewati", "Skipped step"),
    "extra_step": ("Langkah di luar SOP", "Step outside the SOP"),
    "wrong_order": ("Urutan langkah salah", "Steps in the wrong order"),
    "rework_over_limit": ("Pengulangan melebihi batas", "Rework over its limit"),
    "wrong_role": ("Pelaksana tidak sesuai", "Done by the wrong role"),
    "segregation_of_duties": ("Pemisahan tugas dilanggar", "Segregation of duties broken"),
    "rule_violation": ("Aturan SOP dilanggar", "SOP rule broken"),
    "step_overtime": ("Langkah melebihi mutu baku waktu", "Step over its time standard"),
    "sla_breach": ("Melebihi janji layanan", "Over the service promise"),
}

#: Criteria (kriteria) of a finding: the SOP rule broken. Fields: step, kegiatan, pelaksana,
#: waktu, promise, judul, nomor.
KRITERIA: dict[str, tuple[str, str]] = {
    "skipped_step": ("Langkah '{kegiatan}' ({step}) wajib dilaksanakan oleh {pelaksana}.",
                     "Step '{kegiatan}' ({step}) must be done by {pelaksana}."),
    "extra_step": ("Hanya langkah yang tercantum dalam SOP yang boleh dilakukan, dalam "
                   "urutan SOP.", "Only the steps of the SOP may be done, in the SOP's order."),
    "wrong_order": ("Langkah dilaksanakan menurut urutan diagram alir SOP.",
                    "Steps follow the order of the SOP's flowchart."),
    "rework_over_limit": ("Pengembalian pada langkah '{kegiatan}' ({step}) dibatasi menurut "
                          "SOP.", "Returns at step '{kegiatan}' ({step}) are limited by the SOP."),
    "wrong_role": ("Langkah '{kegiatan}' ({step}) dilaksanakan oleh {pelaksana}.",
                   "Step '{kegiatan}' ({step}) is done by {pelaksana}."),
    "segregation_of_duties": ("Langkah '{kegiatan}' ({step}) dan langkah pasangannya wajib "
                              "dilaksanakan oleh dua orang berbeda.",
                              "Step '{kegiatan}' ({step}) and its paired step must be done by "
                              "two different people."),
    "rule_violation": ("Aturan SOP pada langkah '{kegiatan}' ({step}) wajib dipatuhi.",
                       "The SOP's rule on step '{kegiatan}' ({step}) must be kept."),
    "step_overtime": ("Mutu baku waktu langkah '{kegiatan}' ({step}) adalah {waktu}.",
                      "The time standard of step '{kegiatan}' ({step}) is {waktu}."),
    "sla_breach": ("Jangka waktu penyelesaian menurut standar pelayanan adalah {promise}.",
                   "The turnaround promised by the service standard is {promise}."),
}

AKIBAT: dict[str, tuple[str, str]] = {
    "skipped_step": ("Pengendalian yang dirancang pada langkah tersebut tidak bekerja; "
                     "risiko produk layanan yang keliru atau data ganda.",
                     "The control designed into the step does not work; risk of a wrong "
                     "product or duplicate records."),
    "extra_step": ("Beban kerja dan waktu tunggu bertambah tanpa dasar SOP.",
                   "Work and waiting grow without basis in the SOP."),
    "wrong_order": ("Pemeriksaan dilakukan atas dokumen yang belum final; hasil "
                    "pengendalian tidak dapat diandalkan.",
                    "Checks are made on documents that are not final; controls cannot be "
                    "relied on."),
    "rework_over_limit": ("Waktu penyelesaian memanjang dan pemohon dirugikan.",
                          "Turnaround grows and applicants lose time."),
    "wrong_role": ("Kewenangan dijalankan oleh pejabat yang tidak berwenang.",
                   "Authority is exercised by someone not entitled to it."),
    "segregation_of_duties": ("Tidak ada pemeriksaan silang; risiko kesalahan atau "
                              "penyalahgunaan tidak terdeteksi.",
                              "No cross-check; errors or abuse may go undetected."),
    "rule_violation": ("Pengendalian yang ditetapkan SOP tidak bekerja.",
                       "A control set by the SOP does not work."),
    "step_overtime": ("Waktu penyelesaian layanan memanjang.", "The service takes longer."),
    "sla_breach": ("Janji standar pelayanan kepada masyarakat tidak terpenuhi.",
                   "The service standard's promise to the public is not kept."),
}

REKOMENDASI: dict[str, tuple[str, str]] = {
    "skipped_step": ("Kepala perangkat daerah memerintahkan agar langkah tersebut selalu "
                     "dilaksanakan dan dicatat dalam aplikasi.",
                     "The head of office orders that the step always be done and recorded."),
    "extra_step": ("Tinjau apakah langkah tambahan diperlukan; bila ya, revisi SOP, bila "
                   "tidak, hentikan.", "Review whether the extra step is needed; if so revise "
                   "the SOP, if not stop it."),
    "wrong_order": ("Sesuaikan alur kerja aplikasi dengan urutan SOP.",
                    "Align the application's workflow with the SOP's order."),
    "rework_over_limit": ("Perjelas persyaratan dan periksa kelengkapan sejak awal.",
                          "Clarify requirements and check completeness at the start."),
    "wrong_role": ("Atur hak akses aplikasi sesuai pelaksana dalam SOP; bila ada pelimpahan, "
                   "tetapkan secara tertulis.",
                   "Set application rights to the SOP's roles; put any delegation in writing."),
    "segregation_of_duties": ("Atur aplikasi agar kedua langkah tidak dapat dilakukan oleh "
                              "akun yang sama.",
                              "Configure the application so that one account cannot do both "
                              "steps."),
    "rule_violation": ("Tegakkan aturan SOP melalui pengaturan aplikasi dan supervisi.",
                       "Enforce the SOP rule through application settings and supervision."),
    "step_overtime": ("Analisis beban kerja pada langkah tersebut; tambah petugas atau revisi "
                      "mutu baku bila tidak realistis.",
                      "Analyse the workload of the step; add staff or revise an unrealistic "
                      "standard."),
    "sla_breach": ("Pantau permohonan yang mendekati batas waktu setiap hari dan tindak "
                   "lanjuti hambatan utama.",
                   "Track cases near their deadline daily and act on the main bottleneck."),
}

KONDISI: tuple[str, str] = (
    "Pada periode {period}, {n_cases} dari {total} permohonan ({share}) mengalami "
    "penyimpangan ini ({n} kejadian){where}.",
    "In {period}, {n_cases} of {total} cases ({share}) had this deviation ({n} "
    "occurrences){where}.",
)
KONDISI_WHERE: tuple[str, str] = (", terbanyak di unit {unit} ({k})", ", most in unit {unit} ({k})")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[LANGUAGES.index(lang)] if lang in LANGUAGES else pair[0]


def text(lang: str, key: str, **fields: Any) -> str:
    """The text ``key`` in ``lang``, its ``{fields}`` filled in."""
    value = _pick(TEXTS[key], lang)
    return value.format(**fields) if fields else value


def jenis_text(lang: str, code: str) -> str:
    """The name of a deviation code (the code itself when unknown)."""
    return _pick(JENIS_TEXT[code], lang) if code in JENIS_TEXT else code


def pick(table: dict[str, tuple[str, str]], code: str, lang: str, **fields: Any) -> str:
    """An entry of :data:`KRITERIA`, :data:`AKIBAT` or :data:`REKOMENDASI` in ``lang``."""
    pair = table.get(code)
    if pair is None:
        return ""
    return _pick(pair, lang).format(**fields)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, lang: str = "id", digits: int = 0) -> str:
    """``12.345`` (id) or ``12,345`` (en); ``–`` for a missing value."""
    if _missing(value):
        return "–"
    out = f"{float(value):,.{digits}f}"
    if lang == "id":
        out = out.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return out


def percent(value: Any, lang: str = "id", digits: int = 0) -> str:
    """A share (0..1) as ``87%`` (``87,5%`` with ``digits=1`` in Indonesian)."""
    if _missing(value):
        return "–"
    return number(100 * float(value), lang, digits) + "%"


def points(value: Any, lang: str = "id") -> str:
    """A change of a share in percentage points, signed: ``+4,0 poin`` / ``+4.0 pts``."""
    if _missing(value):
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    unit = "poin" if lang == "id" else "pts"
    return f"{sign}{number(abs(100 * float(value)), lang, 1)} {unit}"


def signed(value: Any, lang: str = "id") -> str:
    """A signed count change ``+12`` / ``−3``."""
    if _missing(value):
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + number(abs(value), lang)


MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def date_text(day: Any, lang: str = "id") -> str:
    """``5 Maret 2025`` / ``5 March 2025``."""
    months = MONTHS.get(lang, MONTHS["id"])
    return f"{day.day} {months[day.month - 1]} {day.year}"
