"""Kabupaten Kepahiang as the generator sees it: kecamatan, offices, staff, seasons, names.

Populations are rounded 2024 figures (about 156,000 people); they weight where applicants live.
The staff roster is fixed (it does not depend on the seed), so the staff tables committed in
``data/mappings/`` always match what the generator writes. NIPs and NIKs are synthetic: they
follow the official layouts but belong to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KECAMATAN: dict[str, int] = {
    "Kepahiang": 38_500,
    "Ujan Mas": 20_800,
    "Kabawetan": 20_500,
    "Tebat Karai": 19_600,
    "Bermani Ilir": 17_300,
    "Merigi": 15_400,
    "Seberang Musi": 13_100,
    "Muara Kemumu": 10_800,
}
#: two-digit kecamatan code inside NIKs of Kabupaten Kepahiang (1708)
KODE_KECAMATAN: dict[str, str] = {
    "Ujan Mas": "01", "Kepahiang": "02", "Tebat Karai": "03", "Bermani Ilir": "04",
    "Kabawetan": "05", "Seberang Musi": "06", "Muara Kemumu": "07", "Merigi": "08",
}
#: OPD that propose promotions (unit of kenaikan-pangkat cases) with their weight (staff size)
OPD: dict[str, int] = {
    "Dinas Pendidikan dan Kebudayaan": 45, "Dinas Kesehatan": 18, "RSUD Kepahiang": 12,
    "Sekretariat Daerah": 6, "Dinas Pertanian": 5, "Dinas PUPR": 4, "BKPSDM": 2,
    "Dinas Kependudukan dan Pencatatan Sipil": 2, "Kecamatan Kepahiang": 2,
    "Kecamatan Ujan Mas": 2, "Inspektorat": 2,
}

#: share of each service in a year of applications (sums to 1)
MIX: dict[str, float] = {
    "ktp-el": 0.34, "kk-baru": 0.33, "akta-kelahiran": 0.26,
    "kenaikan-pangkat-reguler": 0.04, "pbg": 0.03,
}
#: which office runs each service
OFFICE: dict[str, str] = {
    "ktp-el": "dukcapil", "kk-baru": "dukcapil", "akta-kelahiran": "dukcapil",
    "kenaikan-pangkat-reguler": "bkpsdm", "pbg": "dpmptsp",
}
#: arrivals per weekday (Mon..Fri); counters are busiest on Monday
WEEKDAY: dict[str, tuple[float, ...]] = {
    "dukcapil": (1.35, 1.1, 1.0, 0.95, 0.7),
    "bkpsdm": (1.0, 1.0, 1.0, 1.0, 0.8),
    "dpmptsp": (1.1, 1.0, 1.0, 1.0, 0.8),
}
#: arrivals per month (Jan..Dec). Birth and family documents peak before school enrolment
#: (SPMB, June-July); promotion proposals are uploaded in the two BKN windows (Jan-Feb for the
#: April period, Jul-Aug for the October period); buildings in the dry season.
SEASON: dict[str, tuple[float, ...]] = {
    "akta-kelahiran": (0.9, 0.9, 1.0, 0.9, 1.3, 1.7, 1.5, 0.9, 0.8, 0.8, 0.8, 0.7),
    "kk-baru": (0.9, 0.9, 1.0, 0.9, 1.3, 1.5, 1.3, 1.0, 0.9, 0.9, 0.8, 0.8),
    "ktp-el": (1.1, 1.0, 1.0, 0.9, 1.0, 1.0, 1.2, 1.2, 1.0, 0.9, 0.9, 0.8),
    "kenaikan-pangkat-reguler": (1.0, 1.0, 0.06, 0.03, 0.03, 0.03, 1.0, 1.0, 0.06, 0.03, 0.03, 0.03),
    "pbg": (0.8, 0.8, 0.9, 0.9, 1.2, 1.2, 1.2, 1.2, 1.1, 0.9, 0.8, 0.7),
}

#: staff per office: role id -> (number of people, job title written in the staff table)
ROSTER: dict[str, dict[str, tuple[int, str]]] = {
    "dukcapil": {
        "fo": (4, "Petugas Front Office"), "operator": (4, "Operator SIAK"),
        "perekam": (2, "Operator Perekaman"), "pencetak": (2, "Operator Pencetakan"),
        "kasi": (1, "Kepala Seksi Pendaftaran Penduduk"),
        "kabid": (1, "Kepala Bidang Pencatatan Sipil"), "kadis": (1, "Kepala Dinas"),
    },
    "bkpsdm": {
        "verifikator": (3, "Verifikator Mutasi"), "kabid": (1, "Kepala Bidang Mutasi dan Promosi"),
        "kaban": (1, "Kepala BKPSDM"),
    },
    "dpmptsp": {
        "fo": (2, "Petugas Front Office DPMPTSP"), "tpa": (3, "Tim Profesi Ahli"),
        "pupr": (2, "Penghitung Retribusi Dinas PUPR"), "kadis": (1, "Kepala DPMPTSP"),
    },
}

FIRST_NAMES = (
    "Siti", "Budi", "Ahmad", "Dewi", "Rina", "Agus", "Sri", "Yanti", "Hendra", "Nurul", "Eko",
    "Rahmat", "Fitri", "Wahyu", "Indah", "Joko", "Lestari", "Rudi", "Novi", "Hasan", "Ratna",
    "Dedi", "Yuliana", "Firman", "Mega", "Irwan", "Putri", "Arif", "Suryani", "Bambang",
    "Zulkifli", "Maryati", "Samsul", "Elvi", "Darmawan", "Nurhayati", "Syahrial", "Desi",
)
LAST_NAMES = (
    "Aminah", "Hartono", "Saputra", "Wati", "Pratama", "Lestari", "Hidayat", "Susanti",
    "Kurniawan", "Rahmawati", "Setiawan", "Handayani", "Gunawan", "Marlina", "Syahputra",
    "Yusuf", "Fauzi", "Anggraini", "Efendi", "Harahap", "Nasution", "Rejang", "Sembiring",
    "Wijaya", "Maulana", "Oktaviani", "Ramadhan", "Permata", "Herlina", "Nopriansyah",
)


@dataclass(frozen=True)
class Staff:
    nip: str
    nama: str
    role: str
    jabatan: str
    office: str


def _nip(rng: np.random.Generator, female: bool) -> str:
    born = f"{rng.integers(1968, 1996)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
    tmt = f"{int(born[:4]) + int(rng.integers(22, 30))}{rng.integers(1, 13):02d}"
    return f"{born}{tmt}{2 if female else 1}{rng.integers(1, 12):03d}"


def roster() -> list[Staff]:
    """Everyone who works on the services, the same for every seed."""
    rng = np.random.default_rng(170_800)
    people: list[Staff] = []
    used: set[str] = set()
    for office, roles in ROSTER.items():
        for role, (count, jabatan) in roles.items():
            for _ in range(count):
                female = bool(rng.random() < 0.5)
                nip = _nip(rng, female)
                while nip in used:
                    nip = _nip(rng, female)
                used.add(nip)
                nama = f"{FIRST_NAMES[rng.integers(len(FIRST_NAMES))]} {LAST_NAMES[rng.integers(len(LAST_NAMES))]}"
                people.append(Staff(nip, nama, role, jabatan, office))
    return people


def niks(rng: np.random.Generator, kecamatan: np.ndarray) -> np.ndarray:
    """Synthetic 16-digit NIKs: 1708 + kecamatan code + DDMMYY (+40 for women) + serial."""
    n = len(kecamatan)
    day = rng.integers(1, 29, n) + np.where(rng.random(n) < 0.5, 40, 0)
    month = rng.integers(1, 13, n)
    year = rng.integers(0, 100, n)
    serial = rng.integers(1, 10_000, n)
    codes = np.array([KODE_KECAMATAN[k] for k in kecamatan], dtype=object)
    return np.array([f"1708{c}{d:02d}{m:02d}{y:02d}{s:04d}"
                     for c, d, m, y, s in zip(codes, day, month, year, serial, strict=True)])


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    first = np.array(FIRST_NAMES)[rng.integers(len(FIRST_NAMES), size=n)]
    last = np.array(LAST_NAMES)[rng.integers(len(LAST_NAMES), size=n)]
    return np.char.add(np.char.add(first.astype(str), " "), last.astype(str))
