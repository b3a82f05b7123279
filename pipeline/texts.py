"""Every sentence sopmine writes for auditors, in one place: Bahasa Indonesia and English.

A text is a :meth:`str.format` template with named fields; :func:`text` fills it in the chosen
language (setting ``language``, ``id`` by default). Adding a language means adding one dict
with the same keys (a test checks that they match).
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "id": {
        # deviations (deviations.csv, column keterangan)
        "skipped_step": "Langkah {step} dilewati.",
        "extra_step": "Kegiatan '{aktivitas}' tidak diizinkan SOP pada titik ini{sesudah}.",
        "extra_step_unknown": "Kegiatan '{aktivitas}' tidak ada dalam SOP.",
        "wrong_order": "Langkah {step} dilakukan sebelum '{sebelum}', tidak sesuai urutan "
                       "SOP.",
        "after": ", sesudah '{aktivitas}'",
        "at_start": ", di awal permohonan",
        "rework_over_limit": "Langkah {step} dikembalikan ke '{ke}' "
                             "sebanyak {kali} kali, melebihi batas {maks} kali.",
        "wrong_role": "Langkah {step} dilakukan oleh {resource} dengan "
                      "peran '{peran}', seharusnya {pelaksana}.",
        "segregation_of_duties": "Langkah '{langkah_a}' dan '{langkah_b}' dilakukan oleh orang "
                                 "yang sama ({resource}), padahal harus oleh dua orang berbeda.",
        "wajib_sebelum": "Langkah '{sebelum}' dilakukan tanpa '{langkah}' sebelumnya "
                         "(aturan: '{langkah}' wajib sebelum '{sebelum}').",
        "maks_kali": "Langkah {step} dilakukan {kali} kali, melebihi batas "
                     "{maks} kali.",
        "step_overtime": "Langkah {step} memakan waktu {lama}, melebihi "
                         "standar {standar}.",
        "sla_breach": "Permohonan diselesaikan dalam {lama}, melebihi janji layanan {janji}.",
        "sla_breach_open": "Permohonan masih berjalan dan telah melewati janji layanan {janji} "
                           "(batas {batas}).",
        # durations in sentences
        "working_days": "{n} hari kerja",
        "working_time": "{waktu} kerja",
        "calendar_time": "{waktu}",
        "days": "{n} hari",
        "hours": "{n} jam",
        "minutes": "{n} menit",
        "seconds": "{n} detik",
        # labels of the deviation codes (reports)
        "label_skipped_step": "Langkah dilewati",
        "label_extra_step": "Kegiatan di luar SOP",
        "label_wrong_order": "Urutan tidak sesuai",
        "label_rework_over_limit": "Pengulangan melebihi batas",
        "label_wrong_role": "Pelaksana tidak sesuai",
        "label_segregation_of_duties": "Pemisahan tugas dilanggar",
        "label_rule_violation": "Aturan SOP dilanggar",
        "label_step_overtime": "Langkah melebihi standar waktu",
        "label_sla_breach": "Melebihi janji layanan",
        # notes on cases (cases.csv, column catatan)
        "no_layanan": "Permohonan tanpa layanan: beri kolom atau konstanta layanan di mapping.",
        "no_sop": "Tidak ada SOP untuk layanan '{layanan}'.",
        "not_in_force": "Tidak ada versi SOP layanan '{layanan}' yang berlaku pada {tanggal}.",
    },
    "en": {
        "skipped_step": "Step {step} was skipped.",
        "extra_step": "Activity '{aktivitas}' is not allowed by the SOP at this point{sesudah}.",
        "extra_step_unknown": "Activity '{aktivitas}' is not in the SOP.",
        "wrong_order": "Step {step} was done before '{sebelum}', out of the SOP's order.",
        "after": ", after '{aktivitas}'",
        "at_start": ", at the start of the case",
        "rework_over_limit": "Step {step} sent the case back to '{ke}' "
                             "{kali} times, more than the limit of {maks}.",
        "wrong_role": "Step {step} was done by {resource} in the role "
                      "'{peran}'; it should be {pelaksana}.",
        "segregation_of_duties": "Steps '{langkah_a}' and '{langkah_b}' were done by the same "
                                 "person ({resource}); they must be done by two people.",
        "wajib_sebelum": "Step '{sebelum}' was done without '{langkah}' before it "
                         "(rule: '{langkah}' must come before '{sebelum}').",
        "maks_kali": "Step {step} was done {kali} times, more than the "
                     "limit of {maks}.",
        "step_overtime": "Step {step} took {lama}, longer than the standard "
                         "{standar}.",
        "sla_breach": "The case was completed in {lama}, beyond the service promise {janji}.",
        "sla_breach_open": "The case is still open and has passed the service promise {janji} "
                           "(due {batas}).",
        "working_days": "{n} working days",
        "working_time": "{waktu} of working time",
        "calendar_time": "{waktu}",
        "days": "{n} days",
        "hours": "{n} h",
        "minutes": "{n} min",
        "seconds": "{n} s",
        "label_skipped_step": "Step skipped",
        "label_extra_step": "Activity outside the SOP",
        "label_wrong_order": "Wrong order",
        "label_rework_over_limit": "Rework over its limit",
        "label_wrong_role": "Wrong role",
        "label_segregation_of_duties": "Segregation of duties broken",
        "label_rule_violation": "SOP rule broken",
        "label_step_overtime": "Step over its time standard",
        "label_sla_breach": "Service promise broken",
        "no_layanan": "Case without a service: give a layanan column or constant in the mapping.",
        "no_sop": "No SOP for the service '{layanan}'.",
        "not_in_force": "No version of the SOP of '{layanan}' was in force on {tanggal}.",
    },
}

LANGUAGES: tuple[str, ...] = tuple(TEXTS)


def check_language(language: str) -> str:
    """``language`` if sopmine has texts in it, else a ``ValueError`` naming the choices."""
    if language not in TEXTS:
        raise ValueError(f"language '{language}' has no texts; choose one of "
                         f"{', '.join(LANGUAGES)}")
    return language


def text(key: str, language: str = "id", **fields: Any) -> str:
    """The sentence ``key`` in ``language`` with its fields filled in."""
    return TEXTS[check_language(language)][key].format(**fields)


def duration_words(seconds: float, language: str = "id", *, with_days: bool = True) -> str:
    """A length of time in words: ``2 jam 15 menit``, ``3 hari 4 jam``, ``45 detik``
    (``with_days=False`` for working time, which is counted in hours)."""
    total = round(seconds)
    days, rest = divmod(total, 86400) if with_days else (0, total)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [text(unit, language, n=n) for unit, n in
             (("days", days), ("hours", hours), ("minutes", minutes)) if n]
    if not parts:
        parts = [text("seconds", language, n=secs)]
    return " ".join(parts)
