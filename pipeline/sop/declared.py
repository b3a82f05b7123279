"""The one model object the checker uses, whatever the file was: sop-ap/1, BPMN or PNML.

A BPMN or PNML file may have a side file ``NAME.mutu.yaml`` beside it (for ``receipt.bpmn``:
``receipt.mutu.yaml``) with what a drawing cannot say::

    layanan: izin-lingkungan          # default: the file name without extension
    tanggal_efektif: 2024-01-01       # default: in force for every date
    jangka_waktu: 5 hari kerja        # the service-standard promise (optional)
    pelaksana: {Confirmation of receipt: Front office}   # role per activity, beats lanes
    waktu: {Confirmation of receipt: 15 menit}          # time standard per activity
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pipeline.durations import ACCEPTED_FORMS, Duration, parse_duration
from pipeline.errors import SopError
from pipeline.sop.loader import load_sop, suggest
from pipeline.sop.model import Sop
from pipeline.sop.net import Net
from pipeline.sop.petri import sop_to_net
from pipeline.yamlfile import DuplicateKey, LineDict, load_marked

SOP_SUFFIXES = (".yaml", ".yml")
MODEL_SUFFIXES = (".bpmn", ".pnml")
SIDE_KEYS = ("layanan", "tanggal_efektif", "jangka_waktu", "pelaksana", "waktu")


@dataclass(frozen=True)
class DeclaredModel:
    """A declared process: its net, roles and time standards per activity, and its validity."""

    name: str
    layanan: str
    tanggal_efektif: date | None  # None: in force on every date
    net: Net
    roles: Mapping[str, str] = field(default_factory=dict)
    waktu: Mapping[str, Duration] = field(default_factory=dict)
    jangka_waktu: Duration | None = None
    file: str = ""
    sop: Sop | None = None

    @property
    def activities(self) -> tuple[str, ...]:
        return self.net.labels


def model_of_sop(sop: Sop) -> DeclaredModel:
    """The checker's view of a loaded SOP (silent steps have no activity, so no role)."""
    recorded = [s for s in sop.langkah if s.dicatat]
    return DeclaredModel(
        name=sop.identitas.judul, layanan=sop.layanan, tanggal_efektif=sop.tanggal_efektif,
        net=sop_to_net(sop), roles={s.id: s.pelaksana for s in recorded},
        waktu={s.id: s.mutu_baku.waktu for s in recorded if s.mutu_baku.waktu},
        jangka_waktu=sop.standar_pelayanan.jangka_waktu, file=sop.file, sop=sop)


def load_model(path: str | Path) -> DeclaredModel:
    """Load an SOP (``.yaml``), a BPMN (``.bpmn``) or a PNML (``.pnml``) file."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix in SOP_SUFFIXES:
        return model_of_sop(load_sop(file))
    if suffix == ".bpmn":
        from pipeline.sop.bpmn import read_bpmn

        bpmn = read_bpmn(file)
        net, roles = bpmn.net, dict(bpmn.roles)
    elif suffix == ".pnml":
        from pipeline.sop.pnml import read_pnml

        net, roles = read_pnml(file), {}
    else:
        raise SopError(f"'{file.suffix}' is not a model format", file=file,
                       fix="Give an SOP (.yaml), a BPMN 2.0 (.bpmn) or a PNML (.pnml) file.")
    return _with_side_file(file, net, roles)


def side_file(model_file: Path) -> Path:
    return model_file.with_name(model_file.stem + ".mutu.yaml")


def _with_side_file(file: Path, net: Net, roles: dict[str, str]) -> DeclaredModel:
    side = side_file(file)
    data: dict[str, Any] = {}
    if side.exists():
        data = _read_side(side, net)
    roles.update(data.get("pelaksana", {}))
    return DeclaredModel(
        name=net.name, layanan=str(data.get("layanan", file.stem)),
        tanggal_efektif=data.get("tanggal_efektif"), net=net, roles=roles,
        waktu=data.get("waktu", {}), jangka_waktu=data.get("jangka_waktu"), file=str(file))


def _read_side(side: Path, net: Net) -> dict[str, Any]:
    try:
        m = load_marked(side.read_text(encoding="utf-8"))
    except (yaml.YAMLError, DuplicateKey) as exc:
        raise SopError(f"not valid YAML ({exc})", file=side, fix="Fix the YAML.") from None
    if not isinstance(m, LineDict):
        raise SopError("expected a mapping of keys", file=side, line=1,
                       fix=f"Use the keys {', '.join(SIDE_KEYS)}.")
    out: dict[str, Any] = {}
    for key, value in m.items():
        line = m.lines[key]
        if key not in SIDE_KEYS:
            raise SopError(f"unknown key '{key}'", file=side, line=line,
                           fix=f"{suggest(key, SIDE_KEYS)}Known keys: {', '.join(SIDE_KEYS)}.")
        if key == "tanggal_efektif":
            try:
                out[key] = value if isinstance(value, date) else date.fromisoformat(str(value))
            except ValueError:
                raise SopError(f"'{value}' is not a date", file=side, line=line,
                               fix="Write it as YYYY-MM-DD.") from None
        elif key == "jangka_waktu":
            out[key] = _duration(value, side, line)
        elif key in ("pelaksana", "waktu"):
            if not isinstance(value, LineDict):
                raise SopError(f"'{key}' must map activities to values", file=side, line=line,
                               fix=f"Write '{key}: {{Activity name: value}}'.")
            for activity in value:
                if activity not in net.labels:
                    raise SopError(f"'{activity}' is not an activity of the model",
                                   file=side, line=value.lines[activity],
                                   fix=f"{suggest(activity, net.labels)}Known activities: "
                                       f"{', '.join(net.labels)}.")
            out[key] = {a: (_duration(v, side, value.lines[a]) if key == "waktu" else str(v))
                        for a, v in value.items()}
        else:
            out[key] = value
    return out


def _duration(value: Any, side: Path, line: int) -> Duration:
    try:
        return parse_duration(value)
    except ValueError:
        raise SopError(f"'{value}' is not a duration", file=side, line=line,
                       fix=f"Accepted forms: {ACCEPTED_FORMS}.") from None
