"""A load is one transaction: killed half-way it leaves the warehouse as it was, and the next
load succeeds. Personal data is pseudonymised before anything is stored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.ingest import ingest_files
from pipeline.settings import Settings
from pipeline.warehouse import open_warehouse
from tests.conftest import BAD, MAPPINGS, REPO, table_counts

COUNTER = MAPPINGS / "counter.yaml"


def _big_counter_csv(path: Path, rows: int) -> None:
    with path.open("w") as fh:
        fh.write("NO_PERMOHONAN;AKTIVITAS;WAKTU;PETUGAS\n")
        for i in range(rows):
            fh.write(f"KK-{i // 6:07d};langkah{i % 6};{1 + i % 28:02d}/03/2025 {8 + i % 8:02d}:{i % 60:02d};P{i % 9}\n")


def test_a_load_killed_with_sigkill_leaves_the_warehouse_unchanged(tmp_path, settings):
    with open_warehouse(settings.db) as wh:
        ingest_files(wh, [BAD / "mixed_dates.csv"], COUNTER, settings)
        before = table_counts(wh)
    big = tmp_path / "besar.csv"
    _big_counter_csv(big, 1_500_000)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--db", settings.db, "ingest", str(big), "--mapping",
         str(COUNTER)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait until the load is writing events inside its transaction (DuckDB writes large
    # inserts into the file before the commit), then kill it there
    db = Path(settings.db)
    size_before = db.stat().st_size
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if db.stat().st_size > size_before + 2_000_000:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the load finished before it could be killed; make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with open_warehouse(settings.db) as wh:
        assert table_counts(wh) == before
        [r] = ingest_files(wh, [BAD / "duplicates.csv"], COUNTER, settings)
        assert r.rows_loaded == 3
        assert table_counts(wh)["events"] == before["events"] + 3


def _write_nik_log(path: Path) -> None:
    path.write_text(
        "NO_PERMOHONAN;AKTIVITAS;WAKTU;NIK;NAMA;TELEPON\n"
        "KK-1;ajukan;05/03/2025 08:30;1708012345670001;Siti Rahmawati;081234567890\n"
        "KK-1;periksa;05/03/2025 08:45;1708012345670001;Siti Rahmawati;081234567890\n"
        # this row has one field too many: it is quarantined whole, and must not leak either
        "KK-2;ajukan;05/03/2025 09:00;1708019876540002;Budi Santoso;;\n")


PII_MAPPING = """
columns: {case_id: NO_PERMOHONAN, activity: AKTIVITAS, timestamp: WAKTU}
personal_data: {pseudonymise: [NIK, NAMA], drop: [TELEPON]}
"""


def test_pseudonyms_are_stable_across_loads_and_differ_with_another_key(tmp_path, settings):
    log, mapping = tmp_path / "ktp.csv", tmp_path / "pii.yaml"
    _write_nik_log(log)
    mapping.write_text(PII_MAPPING)
    pseudonyms = []
    for key in ("kunci-pertama-0123456789", "kunci-pertama-0123456789", "kunci-kedua-9876543210"):
        (tmp_path / "k").write_text(key)
        s = Settings(db=str(tmp_path / f"w{len(pseudonyms)}.duckdb"),
                     pseudonym_key_file=str(tmp_path / "k"))
        with open_warehouse(s.db) as wh:
            ingest_files(wh, [log], mapping, s)
            pseudonyms.append(wh.rows(
                "SELECT attributes->>'NIK', attributes->>'NAMA' FROM events ORDER BY source_row"))
            assert wh.scalar("SELECT count(*) FROM events") == 2  # KK-2's row is ragged
    assert pseudonyms[0] == pseudonyms[1]
    assert pseudonyms[0] != pseudonyms[2]
    assert pseudonyms[0][0] == pseudonyms[0][1]  # the same person, the same pseudonym
    assert all(v.startswith("P-") for row in pseudonyms[0] for v in row)


def test_no_raw_personal_data_reaches_the_warehouse_file(tmp_path, settings):
    log, mapping = tmp_path / "ktp.csv", tmp_path / "pii.yaml"
    _write_nik_log(log)
    # one bad row too, so quarantine (which keeps raw rows) is checked as well
    log.write_text(log.read_text() + "KK-3;ajukan;bukan tanggal;1708015555550003;Dewi Lestari;0812\n")
    mapping.write_text(PII_MAPPING)
    with open_warehouse(settings.db) as wh:
        ingest_files(wh, [log], mapping, settings)
        assert wh.rows("SELECT reason_code FROM quarantine ORDER BY source_row") == [
            ("unreadable_row",), ("bad_timestamp",)]
        wh.execute("CHECKPOINT")
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("warehouse.duckdb*"))
    for raw in ("1708012345670001", "Siti Rahmawati", "081234567890", "1708015555550003",
                "Dewi Lestari", "Budi Santoso"):
        assert raw.encode() not in stored, raw
    assert b"KK-1" in stored  # the check does see the file's text


def test_pseudonymising_without_a_key_says_how_to_make_one(tmp_path):
    log, mapping = tmp_path / "ktp.csv", tmp_path / "pii.yaml"
    _write_nik_log(log)
    mapping.write_text(PII_MAPPING)
    s = Settings(db=str(tmp_path / "w.duckdb"), pseudonym_key_file=str(tmp_path / "none.key"))
    env_key = os.environ.pop("SOPMINE_PSEUDONYM_KEY", None)
    try:
        with open_warehouse(s.db) as wh:
            try:
                ingest_files(wh, [log], mapping, s)
            except ConfigError as exc:
                assert "sopmine keygen" in str(exc)
                assert table_counts(wh) == {"loads": 0, "events": 0, "quarantine": 0}
            else:
                raise AssertionError("a load with personal data and no key must fail")
    finally:
        if env_key is not None:
            os.environ["SOPMINE_PSEUDONYM_KEY"] = env_key
