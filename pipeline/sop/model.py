"""The ``sop-ap/1`` model as plain frozen dataclasses (``sop-format.md``).

A :class:`Sop` mirrors the official SOP AP document: the identity section, the role columns
(*pelaksana*), the flowchart rows (*langkah*) with their *mutu baku*, the extra controls
(*aturan*) and the service-standard promise. ``line`` fields remember where each part was
written, so later checks can still name ``file, line N``; they take no part in equality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pipeline.durations import Duration

Simbol = Literal["terminator", "proses", "keputusan"]
SIMBOL: tuple[str, ...] = ("terminator", "proses", "keputusan")
HASIL: tuple[str, ...] = ("selesai", "ditolak", "dibatalkan")


@dataclass(frozen=True)
class Identitas:
    """The identity section. Optional official fields are carried into reports as written."""

    judul: str
    layanan: str
    tanggal_efektif: date
    nomor_sop: str | None = None
    instansi: str | None = None
    unit_kerja: str | None = None
    tanggal_pembuatan: date | None = None
    tanggal_revisi: date | None = None
    pengesahan: Mapping[str, Any] = field(default_factory=dict)
    dasar_hukum: tuple[str, ...] = ()
    kualifikasi_pelaksana: tuple[str, ...] = ()
    keterkaitan: tuple[str, ...] = ()
    peralatan: tuple[str, ...] = ()
    peringatan: str | None = None
    pencatatan: str | None = None


@dataclass(frozen=True)
class Pelaksana:
    """A role column of the flowchart table."""

    id: str
    nama: str
    eksternal: bool = False
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MutuBaku:
    """The quality standard of one row: inputs, time standard, output."""

    kelengkapan: tuple[str, ...] = ()
    waktu: Duration | None = None
    output: str | None = None


@dataclass(frozen=True)
class Cabang:
    """One branch of a decision. ``kembali`` marks a return (rework) edge."""

    label: str
    ke: str
    kembali: bool = False
    maks_ulang: int | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Langkah:
    """One row of the flowchart table."""

    id: str
    simbol: Simbol
    kegiatan: str
    pelaksana: str
    mutu_baku: MutuBaku = MutuBaku()
    berikut: str | None = None
    cabang: tuple[Cabang, ...] = ()
    hasil: str | None = None
    dicatat: bool = True
    line: int = field(default=0, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    @property
    def is_end(self) -> bool:
        """A step without ``berikut`` or ``cabang`` ends the case."""
        return self.berikut is None and not self.cabang

    def edges(self) -> tuple[tuple[str, bool], ...]:
        """(target step id, is a return edge) for every arrow leaving this step."""
        if self.berikut is not None:
            return ((self.berikut, False),)
        return tuple((c.ke, c.kembali) for c in self.cabang)


@dataclass(frozen=True)
class PemisahanTugas:
    """Segregation of duties: the two steps must be done by two different people."""

    langkah: tuple[str, str]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class WajibSebelum:
    """``langkah`` must occur before ``sebelum`` in every case that has ``sebelum``."""

    langkah: str
    sebelum: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MaksKali:
    """``langkah`` may occur at most ``maks`` times in a case."""

    langkah: str
    maks: int
    line: int = field(default=0, compare=False)


Aturan = PemisahanTugas | WajibSebelum | MaksKali


@dataclass(frozen=True)
class StandarPelayanan:
    """The service-standard promise, measured from step ``mulai`` to step ``selesai``."""

    jangka_waktu: Duration | None = None
    mulai: str | None = None
    selesai: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Sop:
    """One version of one SOP, as loaded from one file."""

    identitas: Identitas
    pelaksana: tuple[Pelaksana, ...]
    langkah: tuple[Langkah, ...]
    aturan: tuple[Aturan, ...] = ()
    standar_pelayanan: StandarPelayanan = StandarPelayanan()
    kalender: str = "default"
    file: str = field(default="", compare=False)

    @property
    def layanan(self) -> str:
        return self.identitas.layanan

    @property
    def tanggal_efektif(self) -> date:
        return self.identitas.tanggal_efektif

    @property
    def start(self) -> Langkah:
        """The first row is the start of the flow."""
        return self.langkah[0]

    @property
    def ends(self) -> tuple[Langkah, ...]:
        return tuple(s for s in self.langkah if s.is_end)

    def step(self, step_id: str) -> Langkah:
        for s in self.langkah:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def role(self, role_id: str) -> Pelaksana:
        for p in self.pelaksana:
            if p.id == role_id:
                return p
        raise KeyError(role_id)

    @property
    def step_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.langkah)
