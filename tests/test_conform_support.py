"""Tiny logs written in the domain's words, loaded through the real ingest into a real DuckDB
warehouse and checked against the real SOP files: the helpers of the conformance tests.

``{"A2": "ajukan periksa entri tte cetak serahkan"}`` is one case whose events are 5 minutes
apart from Monday 2025-03-10 08:00 WIB; each event is done by the role the SOP names, by one
person per role (the applicant's steps by nobody), so only what a test changes deviates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.conform import check, write_results
from pipeline.ingest import ingest_files
from pipeline.settings import Settings
from pipeline.sop import SopLibrary
from pipeline.warehouse import Warehouse
from tests.conftest import REPO

SOP = REPO / "data" / "sop"
START = pd.Timestamp("2025-03-10 08:00", tz="Asia/Jakarta")  # a Monday, a working day
PEOPLE = {"fo": "199001202015031002", "operator": "198811232014022005",
          "kasi": "197805102005011003", "kadis": "197001011995031004",
          "perekam": "P-REKAM-01", "pencetak": "P-CETAK-01", "verifikator": "V-01",
          "kabid": "KB-01", "kaban": "KBN-01", "tpa": "TPA-01", "pupr": "PUPR-01"}

MAPPING = """name: tiny
columns: {case_id: case_id, activity: activity, timestamp: timestamp, resource: resource,
          role: role, layanan: layanan}
timezone: Asia/Jakarta
"""


def tiny_log(cases: dict[str, str], *, sop: str = "kk-baru-2024.yaml", layanan: str | None = None,
             start: pd.Timestamp = START, minutes: float = 5) -> pd.DataFrame:
    """Events of ``cases`` (case id -> activities separated by spaces), roles as the SOP says."""
    library = SopLibrary.load(SOP / sop)
    [model] = [library.versions(name)[0] for name in library.layanan]
    rows = []
    for case_id, words in cases.items():
        for k, activity in enumerate(words.split()):
            role = model.roles.get(activity)
            external = model.sop is not None and role is not None and \
                model.sop.role(role).eksternal
            rows.append({"case_id": case_id, "activity": activity,
                         "timestamp": start + pd.Timedelta(minutes=minutes * k),
                         "resource": None if external or role is None else PEOPLE.get(role),
                         "role": role, "layanan": layanan or model.layanan})
    return pd.DataFrame(rows)


def load(wh: Warehouse, settings: Settings, events: pd.DataFrame, tmp: Path,
         name: str = "log.csv") -> None:
    frame = events.copy()
    frame["timestamp"] = pd.DatetimeIndex(frame["timestamp"]).strftime("%Y-%m-%dT%H:%M:%S%z")
    (tmp / name).write_text(frame.to_csv(index=False), encoding="utf-8")
    mapping = tmp / "tiny.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    ingest_files(wh, [tmp / name], mapping, settings)


def checked(wh: Warehouse, settings: Settings, events: pd.DataFrame, tmp: Path,
            sops: tuple[Path, ...] = (SOP,), **options: object
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load ``events``, check them, and read back cases.csv and deviations.csv as text."""
    load(wh, settings, events, tmp)
    result = check(wh, SopLibrary.load(*sops), settings, **options)  # type: ignore[arg-type]
    cases_csv, deviations_csv = write_results(wh, tmp / "out", result.run_id)
    cases = pd.read_csv(cases_csv, dtype=str, keep_default_na=False).set_index("case_id")
    deviations = pd.read_csv(deviations_csv, dtype=str, keep_default_na=False)
    return cases, deviations


def codes(deviations: pd.DataFrame, case_id: str) -> list[tuple[str, str]]:
    """(jenis, langkah) of one case's deviations, in their order."""
    mine = deviations[deviations["case_id"] == case_id]
    return list(zip(mine["jenis"], mine["langkah"], strict=True))


def test_a_tiny_log_round_trips_through_the_warehouse(warehouse, settings, tmp_path):
    events = tiny_log({"A1": "ajukan periksa entri validasi tte cetak serahkan"})
    load(warehouse, settings, events, tmp_path)
    stored = warehouse.rows("SELECT activity, resource, role, layanan FROM events "
                            "ORDER BY timestamp")
    assert [r[0] for r in stored] == ["ajukan", "periksa", "entri", "validasi", "tte", "cetak", "serahkan"]
    assert stored[0][1] is None and stored[0][2] == "pemohon"
    assert stored[3][1:] == (PEOPLE["kasi"], "kasi", "kk-baru")
