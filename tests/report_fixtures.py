"""Shared data of the report tests: the bundled Kepahiang sample loaded into a real warehouse,
and hand-written conformance results for its cases (test data in the cases.csv /
deviations.csv contract, standing in for the conformance check until it lands)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from pipeline.ingest import ingest_files
from pipeline.settings import Settings
from pipeline.warehouse import open_warehouse

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample" / "loket-kk-2025-03.csv"
MAPPING = REPO / "data" / "mappings" / "loket-kk.yaml"
SOPS = [REPO / "data" / "sop" / "kk-baru-2024.yaml", REPO / "data" / "sop" / "kk-baru-2025.yaml"]


def sample_warehouse(folder: Path) -> Settings:
    """A warehouse holding the sample, and the settings that open it."""
    key = folder / "pseudonym.key"
    key.write_text("report-test-key-0123456789abcdef\n")
    settings = Settings(db=str(folder / "warehouse.duckdb"), pseudonym_key_file=str(key))
    with open_warehouse(settings.db) as wh:
        ingest_files(wh, [SAMPLE], MAPPING, settings)
    return settings


def conformance_results() -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the conformance check says about the sample's planted deviations."""
    ids = [f"KK/2025/03/{i:04d}" for i in range(1, 13)]
    fitness = {"KK/2025/03/0003": 0.93, "KK/2025/03/0004": 0.8, "KK/2025/03/0008": 0.95}
    cases = pd.DataFrame({"case_id": ids, "sop": "470/012/DUKCAPIL/2024 (2024-02-01)",
                          "fitness": [fitness.get(i, 1.0) for i in ids]})
    deviations = pd.DataFrame([
        {"case_id": "KK/2025/03/0004", "jenis": "skipped_step", "langkah": "validasi",
         "aktivitas": None, "waktu": None,
         "keterangan": "Langkah validasi tidak dilakukan."},
        {"case_id": "KK/2025/03/0004", "jenis": "rule_violation", "langkah": "tte",
         "aktivitas": "tte", "waktu": "2025-03-04T12:45:00+07:00",
         "keterangan": "TTE dilakukan sebelum validasi."},
        {"case_id": "KK/2025/03/0003", "jenis": "extra_step", "langkah": None,
         "aktivitas": "CETAK_ULANG", "waktu": "2025-03-11T09:40:00+07:00",
         "keterangan": "Aktivitas CETAK_ULANG tidak ada di SOP."},
        {"case_id": "KK/2025/03/0008", "jenis": "wrong_role", "langkah": "entri",
         "aktivitas": "entri", "waktu": "2025-03-04T12:03:00+07:00",
         "keterangan": "Entri dilakukan oleh peran yang bukan operator."},
    ])
    return cases, deviations


def personal_values() -> set[str]:
    """NIKs, names and NIPs of the sample: none may appear in a report."""
    found: set[str] = set()
    with SAMPLE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            found |= {row["NIK_PEMOHON"], row["NAMA_PEMOHON"], row["NIP_PETUGAS"]}
    return {v for v in found if v}
