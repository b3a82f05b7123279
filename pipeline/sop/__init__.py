"""Declared process models: the sop-ap/1 SOP, BPMN and PNML imports, nets and drawings."""

from pipeline.sop.declared import DeclaredModel, load_model, model_of_sop
from pipeline.sop.loader import load_sop, parse_sop
from pipeline.sop.model import (
    Cabang,
    Identitas,
    Langkah,
    MaksKali,
    MutuBaku,
    Pelaksana,
    PemisahanTugas,
    Sop,
    StandarPelayanan,
    WajibSebelum,
)
from pipeline.sop.net import Net, Soundness, Transition, check_soundness
from pipeline.sop.petri import sop_to_net
from pipeline.sop.validate import promise_check, sop_warnings
from pipeline.sop.versions import SopLibrary

__all__ = [
    "Cabang",
    "DeclaredModel",
    "Identitas",
    "Langkah",
    "MaksKali",
    "MutuBaku",
    "Net",
    "Pelaksana",
    "PemisahanTugas",
    "Sop",
    "SopLibrary",
    "Soundness",
    "StandarPelayanan",
    "Transition",
    "WajibSebelum",
    "check_soundness",
    "load_model",
    "load_sop",
    "model_of_sop",
    "parse_sop",
    "promise_check",
    "sop_to_net",
    "sop_warnings",
]
