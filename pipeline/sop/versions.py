"""Several versions of one service's SOP: pick the one in force when a case started.

A version governs the cases that start on or after its ``tanggal_efektif`` and before the next
version's. Two versions of one ``layanan`` with the same date, or a model without a date (in
force on every date) beside another version, overlap: that is an error naming both files.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from pipeline.errors import SopError
from pipeline.sop.declared import MODEL_SUFFIXES, SOP_SUFFIXES, DeclaredModel, load_model


def model_files(paths: Iterable[str | Path]) -> list[Path]:
    """The model files named, folders expanded (sorted; ``*.mutu.yaml`` side files skipped)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.iterdir()
                            if f.suffix.lower() in SOP_SUFFIXES + MODEL_SUFFIXES
                            and not f.name.endswith(".mutu.yaml"))
        else:
            files.append(p)
    return files


class SopLibrary:
    """The declared models of several services, each with its versions in date order."""

    def __init__(self, models: Iterable[DeclaredModel]) -> None:
        self._versions: dict[str, list[DeclaredModel]] = {}
        for model in models:
            self._add(model)
        for versions in self._versions.values():
            versions.sort(key=lambda m: m.tanggal_efektif or date.min)

    @classmethod
    def load(cls, *paths: str | Path) -> SopLibrary:
        """Load every model file in ``paths`` (files or folders)."""
        return cls(load_model(f) for f in model_files(paths))

    def _add(self, model: DeclaredModel) -> None:
        versions = self._versions.setdefault(model.layanan, [])
        for other in versions:
            if other.tanggal_efektif == model.tanggal_efektif:
                when = model.tanggal_efektif or "every date (no tanggal_efektif)"
                raise SopError(
                    f"layanan '{model.layanan}' has two versions in force from {when}: "
                    f"{other.file} and this file", file=model.file,
                    fix="Give the revised version a later tanggal_efektif, or remove one file.")
            if other.tanggal_efektif is None or model.tanggal_efektif is None:
                undated = other if other.tanggal_efektif is None else model
                raise SopError(
                    f"layanan '{model.layanan}' has versions that overlap: {undated.file} has no "
                    f"tanggal_efektif, so it is in force on every date, beside {other.file}",
                    file=model.file,
                    fix=f"Give {undated.file} a tanggal_efektif (for BPMN or PNML in its "
                        ".mutu.yaml side file).")
        versions.append(model)

    @property
    def layanan(self) -> tuple[str, ...]:
        return tuple(sorted(self._versions))

    def versions(self, layanan: str) -> tuple[DeclaredModel, ...]:
        if layanan not in self._versions:
            raise SopError(f"no SOP for layanan '{layanan}'",
                           fix=f"Known layanan: {', '.join(self.layanan) or '(none)'}.")
        return tuple(self._versions[layanan])

    def in_force(self, layanan: str, on: date | datetime) -> DeclaredModel:
        """The version of ``layanan`` that governs a case started ``on`` that date."""
        day = on.date() if isinstance(on, datetime) else on
        versions = self.versions(layanan)
        chosen = None
        for model in versions:
            if model.tanggal_efektif is None or model.tanggal_efektif <= day:
                chosen = model
        if chosen is None:
            first = versions[0]
            raise SopError(
                f"no version of layanan '{layanan}' was in force on {day}: the earliest, "
                f"{first.file}, takes effect on {first.tanggal_efektif}",
                fix="Add the SOP that governed those cases, or check the case start dates.")
        return chosen

    def __len__(self) -> int:
        return sum(len(v) for v in self._versions.values())
