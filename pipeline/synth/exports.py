"""Writing a :class:`~pipeline.synth.generate.SynthResult` the way the source systems export it.

- ``loket-<layanan>.csv`` (kk-baru, akta-kelahiran, ktp-el): the Dukcapil counter application:
  ``;``-separated, Indonesian column names, day-first ``dd/mm/yyyy HH:MM`` in WIB, raw stage
  labels (``VERIFIKASI_FO``), the officer's NIP, the counter, the applicant's NIK and name.
  Mappings: ``data/mappings/siak-<layanan>.yaml``.
- ``simbg-pbg.xlsx``: the SIMBG export of building approvals (sheet ``Ekspor``, real Excel
  date-times). Mapping: ``data/mappings/simbg-pbg.yaml``.
- ``siasn/usulan_YYYY-MM-DD.csv``: weekly SIASN status snapshots of promotion proposals (every
  Monday, the status at 00:00). Mapping: ``data/mappings/siasn-kenaikan-pangkat.yaml``.
- ``ground_truth.csv`` (``case_id, jenis, langkah``), ``jam_kerja_pengecualian.csv`` (the
  deliberate events outside office hours) and ``manifest.json`` (the parameters).

Files are byte-identical for the same result: no wall clock, fixed Excel metadata and zip times.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd

from pipeline.synth.generate import SynthResult
from pipeline.synth.world import roster

#: per layanan: SOP step id -> the raw label the source system writes
LABELS: dict[str, dict[str, str]] = {
    "kk-baru": {"ajukan": "PENGAJUAN", "periksa": "VERIFIKASI_FO", "entri": "ENTRI_SIAK",
                "validasi": "VALIDASI_KASI", "tte": "TTE_KADIS", "cetak": "CETAK_KK",
                "kirim": "KIRIM_PDF", "serahkan": "PENYERAHAN"},
    "akta-kelahiran": {"ajukan": "PENGAJUAN", "periksa": "VERIFIKASI_FO", "entri": "ENTRI_SIAK",
                       "verifikasi": "VERIFIKASI_KABID", "tte": "TTE_KADIS",
                       "serahkan": "PENYERAHAN"},
    "ktp-el": {"ajukan": "PENGAJUAN", "periksa": "VERIFIKASI_FO", "rekam": "PEREKAMAN",
               "cetak": "CETAK_KTP", "uji": "UJI_CHIP", "serahkan": "PENYERAHAN",
               "tunda": "SURAT_DATA_GANDA"},
    "pbg": {"daftar": "Pendaftaran", "verifikasi": "Verifikasi Dokumen",
            "jadwal": "Penjadwalan Konsultasi", "periksa_teknis": "Sidang Konsultasi TPA",
            "perbaiki": "Perbaikan Dokumen", "tolak": "Penolakan",
            "hitung_retribusi": "Perhitungan Retribusi", "bayar": "Pembayaran Retribusi",
            "terbit": "Penerbitan PBG", "serahkan": "Penyampaian PBG"},
    "kenaikan-pangkat-reguler": {
        "usul": "Input Usul", "verifikasi": "Verifikasi BKPSDM", "paraf": "Disetujui Kabid",
        "kirim_bkn": "Dikirim ke BKN", "verifikasi_bkn": "Verifikasi BKN",
        "perbaiki": "Perbaikan Dokumen", "cek_perbaikan": "Perbaikan Diverifikasi",
        "tolak": "TMS", "sk": "SK Ditetapkan", "serahkan": "SK Diterima"},
}
COUNTER = ("kk-baru", "akta-kelahiran", "ktp-el")
STAFF_FILES = {"dukcapil": "staff-synth-dukcapil.csv", "dpmptsp": "staff-synth-dpmptsp.csv"}
SNAPSHOT_KEEP_DAYS = 56  # a finished proposal stays in the SIASN list this long
FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def _labels(events: pd.DataFrame, layanan: str) -> pd.Series:
    """Raw labels; foreign (extra_step) activities are written as they are."""
    table = LABELS[layanan]
    return events["activity"].map(lambda a: table.get(a, a))


def _local(events: pd.DataFrame) -> pd.Series:
    return events["timestamp"].dt.tz_convert("Asia/Jakarta")


def _counters(result: SynthResult) -> dict[str, str]:
    """case -> counter ('Loket N'): where the front-office officer who checked it sits."""
    fo = [p.nip for p in roster() if p.office == "dukcapil" and p.role == "fo"]
    loket = {nip: f"Loket {i + 1}" for i, nip in enumerate(fo)}
    first = result.events[result.events["activity"].eq("periksa")].drop_duplicates("case_id")
    return dict(zip(first["case_id"], first["resource"].map(loket).fillna("Loket 1"), strict=True))


def write_counter_csv(result: SynthResult, layanan: str, path: Path) -> Path:
    ev = result.events[result.events["layanan"].eq(layanan)]
    people = result.cases.set_index("case_id")
    counters = _counters(result)
    frame = pd.DataFrame({
        "NO_PERMOHONAN": ev["case_id"],
        "TAHAPAN": _labels(ev, layanan),
        "WAKTU_PROSES": _local(ev).dt.strftime("%d/%m/%Y %H:%M"),
        "NIP_PETUGAS": ev["resource"].fillna(""),
        "LOKET": ev["case_id"].map(counters).fillna("Loket 1"),
        "KECAMATAN": ev["unit"],
        "NIK_PEMOHON": ev["case_id"].map(people["nik"]),
        "NAMA_PEMOHON": ev["case_id"].map(people["nama"]),
    })
    frame.to_csv(path, sep=";", index=False, lineterminator="\n", encoding="utf-8")
    return path


def write_excel(result: SynthResult, layanan: str, path: Path, stamp: str) -> Path:
    """An Excel export with real date-time cells and fixed metadata (``stamp``, ISO 8601)."""
    import openpyxl

    ev = result.events[result.events["layanan"].eq(layanan)]
    people = result.cases.set_index("case_id")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ekspor"
    sheet.append(["No Registrasi", "Tahapan", "Waktu", "NIP Petugas", "Kecamatan",
                  "NIK Pemohon", "Nama Pemohon"])
    local = _local(ev).dt.tz_localize(None)
    for row in zip(ev["case_id"], _labels(ev, layanan), local.dt.to_pydatetime(),
                   ev["resource"], ev["unit"], ev["case_id"].map(people["nik"]),
                   ev["case_id"].map(people["nama"]), strict=True):
        sheet.append([None if isinstance(v, float) and pd.isna(v) else v for v in row])
    for cell in sheet["C"][1:]:
        cell.number_format = "DD/MM/YYYY HH:MM"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp))
    return path


def _fixed_zip(data: bytes, stamp: str) -> bytes:
    """The same workbook with fixed creation times, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*", rf"\g<1>{stamp}",
                              body.decode("utf-8"))
                body = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()


def write_snapshots(result: SynthResult, layanan: str, folder: Path) -> list[Path]:
    """Weekly status lists: each proposal's last status before Monday 00:00 (WIB)."""
    ev = result.events[result.events["layanan"].eq(layanan)].copy()
    if ev.empty:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    ev["status"] = _labels(ev, layanan)
    people = result.cases.set_index("case_id")
    local = _local(ev)
    first = local.min().normalize()
    monday = first + pd.Timedelta(days=(7 - first.weekday()) % 7 or 7)
    last = local.max() + pd.Timedelta(days=7)
    bounds = ev.groupby("case_id")["timestamp"].agg(["min", "max"])
    paths = []
    while monday <= last:
        cut = monday.tz_convert("UTC")
        before = ev[ev["timestamp"] < cut]
        current = before.groupby("case_id", sort=True).tail(1).set_index("case_id")
        listed = bounds[(bounds["min"] < cut)
                        & (bounds["max"] >= cut - pd.Timedelta(days=SNAPSHOT_KEEP_DAYS))].index
        current = current.loc[current.index.intersection(listed)].sort_index()
        if len(current):
            frame = pd.DataFrame({
                "ID_USULAN": current.index,
                "NIP": current.index.map(people["nik"]),
                "NAMA": current.index.map(people["nama"]),
                "UNOR": current["unit"].to_numpy(),
                "JENIS_USULAN": "Kenaikan Pangkat Reguler",
                "STATUS_USULAN": current["status"].to_numpy(),
            })
            path = folder / f"usulan_{monday.date().isoformat()}.csv"
            frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
            paths.append(path)
        monday += pd.Timedelta(days=7)
    return paths


def write_staff_tables(folder: str | Path) -> list[Path]:
    """The staff tables (resource -> role) the mappings name; the same for every seed."""
    folder = Path(folder)
    paths = []
    people = roster()
    for office, name in STAFF_FILES.items():
        rows = [(p.nip, p.role, p.jabatan) for p in people if p.office == office]
        frame = pd.DataFrame(rows, columns=["resource", "role", "jabatan"])
        path = folder / name
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        paths.append(path)
    return paths


def write_exports(result: SynthResult, out_dir: str | Path) -> list[Path]:
    """Write every export of ``result`` into ``out_dir``; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    present = set(result.events["layanan"].unique())
    paths = [write_counter_csv(result, layanan, out / f"loket-{layanan}.csv")
             for layanan in COUNTER if layanan in present]
    if "pbg" in present:
        stamp = f"{result.parameters.get('end', '2025-12-31')}T23:59:00Z"
        paths.append(write_excel(result, "pbg", out / "simbg-pbg.xlsx", stamp))
    if "kenaikan-pangkat-reguler" in present:
        paths += write_snapshots(result, "kenaikan-pangkat-reguler", out / "siasn")
    truth = out / "ground_truth.csv"
    result.truth.to_csv(truth, index=False, lineterminator="\n", encoding="utf-8")
    after = out / "jam_kerja_pengecualian.csv"
    frame = result.after_hours.copy()
    frame["timestamp"] = frame["timestamp"].map(lambda t: t.isoformat())
    frame.to_csv(after, index=False, lineterminator="\n", encoding="utf-8")
    manifest = out / "manifest.json"
    manifest.write_text(json.dumps({
        **result.parameters,
        "files": [p.relative_to(out).as_posix() for p in paths],
        "cases": int(result.cases.shape[0]), "events": int(result.events.shape[0]),
        "deviations": int(result.truth.shape[0]),
    }, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [*paths, truth, after, manifest]
