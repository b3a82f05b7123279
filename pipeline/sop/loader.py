"""Read a ``sop-ap/1`` YAML file into a :class:`~pipeline.sop.model.Sop`.

Every error names ``file, line N`` and the fix. This module checks the shape of the file (keys,
types, symbols, dates, durations); :mod:`pipeline.sop.validate` checks the flow.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import yaml

from pipeline.durations import ACCEPTED_FORMS, Duration, parse_duration
from pipeline.errors import SopError
from pipeline.sop.model import (
    HASIL,
    SIMBOL,
    Aturan,
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
from pipeline.yamlfile import DuplicateKey, LineDict, LineList, load_marked

FORMAT = "sop-ap/1"

TOP_REQUIRED = ("format", "identitas", "pelaksana", "langkah")
TOP_OPTIONAL = ("aturan", "standar_pelayanan", "kalender")
IDENTITAS_REQUIRED = ("judul", "layanan", "tanggal_efektif")
IDENTITAS_OPTIONAL = (
    "nomor_sop", "instansi", "unit_kerja", "tanggal_pembuatan", "tanggal_revisi", "pengesahan",
    "dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan", "peringatan", "pencatatan",
)
LIST_FIELDS = ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan")
PELAKSANA_KEYS = (("id", "nama"), ("eksternal",))
LANGKAH_KEYS = (
    ("id", "simbol", "kegiatan", "pelaksana"),
    ("mutu_baku", "berikut", "cabang", "hasil", "dicatat"),
)
MUTU_KEYS = ((), ("kelengkapan", "waktu", "output"))
CABANG_KEYS = (("label", "ke"), ("kembali", "maks_ulang"))
STANDAR_KEYS = ((), ("jangka_waktu", "mulai", "selesai"))
ATURAN_KEYS: dict[str, tuple[str, ...]] = {
    "pemisahan_tugas": ("langkah",),
    "wajib_sebelum": ("langkah", "sebelum"),
    "maks_kali": ("langkah", "maks"),
}

HINTS = {
    "format": "sop-ap/1",
    "identitas": "judul, layanan and tanggal_efektif",
    "pelaksana": "the role id that performs it",
    "langkah": "the flowchart rows",
    "judul": "the title of the SOP",
    "layanan": "the service id that links log cases to this SOP, e.g. kk-baru",
    "tanggal_efektif": "the date this version takes effect, YYYY-MM-DD",
    "id": "a short unique name",
    "nama": "the role's name as written in the SOP",
    "simbol": "terminator, proses or keputusan",
    "kegiatan": "the activity text of the official document",
    "label": "the answer written on the arrow, e.g. Ya or Tidak",
    "ke": "the id of the step the branch leads to",
    "jenis": "pemisahan_tugas, wajib_sebelum or maks_kali",
    "sebelum": "the step that must come after",
    "maks": "a whole number",
}


def suggest(word: str, known: list[str] | tuple[str, ...]) -> str:
    """"Did you mean 'x'? " when a close match exists, else an empty string."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"Did you mean '{close[0]}'? " if close else ""


class _Reader:
    """Builds the model from parsed YAML, failing with file and line."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, what: str, line: int | None, fix: str | None = None) -> NoReturn:
        raise SopError(what, file=self.file, line=line, fix=fix)

    def mapping(self, value: Any, where: str, line: int) -> LineDict:
        if not isinstance(value, LineDict):
            self.fail(f"{where} must be a mapping of keys, not {_kind(value)}", line,
                      "Write it as 'key: value' lines indented under it.")
        return value

    def items(self, value: Any, where: str, line: int) -> LineList:
        if not isinstance(value, LineList):
            self.fail(f"{where} must be a list, not {_kind(value)}", line,
                      "Write one '- ' item per line under it.")
        return value

    def keys(self, m: LineDict, where: str, spec: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
        required, optional = spec
        known = (*required, *optional)
        for key in m:
            if key not in known:
                self.fail(f"unknown key '{key}' in {where}", m.lines[key],
                          f"{suggest(key, known)}Known keys: {', '.join(known)}.")
        for key in required:
            if key not in m:
                self.fail(f"{where} has no '{key}'", m.line,
                          f"Add '{key}:' ({HINTS.get(key, 'see docs/sop-format.md')}).")

    def text(self, m: LineDict, key: str, where: str) -> str:
        value = m[key]
        if isinstance(value, (LineDict, LineList)) or value is None or isinstance(value, bool):
            self.fail(f"'{key}' in {where} must be text, not {_kind(value)}", m.lines[key],
                      f"Write '{key}: {HINTS.get(key, 'text')}'.")
        return str(value)

    def opt_text(self, m: LineDict, key: str, where: str) -> str | None:
        return self.text(m, key, where) if key in m and m[key] is not None else None

    def flag(self, m: LineDict, key: str, where: str, default: bool) -> bool:
        if key not in m:
            return default
        if not isinstance(m[key], bool):
            self.fail(f"'{key}' in {where} must be true or false, not {m[key]!r}", m.lines[key],
                      f"Write '{key}: true' or '{key}: false'.")
        return bool(m[key])

    def whole(self, m: LineDict, key: str, where: str) -> int:
        value = m[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(f"'{key}' in {where} must be a whole number of at least 1, not {value!r}",
                      m.lines[key], f"Write e.g. '{key}: 2'.")
        return value

    def texts(self, m: LineDict, key: str, where: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if isinstance(value, LineList):
            if any(isinstance(v, (LineDict, LineList)) for v in value):
                self.fail(f"'{key}' in {where} must be a list of texts", m.lines[key],
                          f"Write '{key}: [first, second]'.")
            return tuple(str(v) for v in value)
        if isinstance(value, LineDict):
            self.fail(f"'{key}' in {where} must be a list of texts, not a mapping", m.lines[key],
                      f"Write '{key}: [first, second]'.")
        return (str(value),)

    def day(self, m: LineDict, key: str, where: str) -> date:
        value = m[key]
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{key}' in {where} is '{value}', which is not a date", m.lines[key],
                      f"Write it as YYYY-MM-DD, e.g. '{key}: 2024-02-01'.")

    def duration(self, m: LineDict, key: str, where: str) -> Duration:
        value = m[key]
        try:
            return parse_duration(value)
        except ValueError:
            self.fail(f"'{key}' in {where} is '{value}', which is not a duration", m.lines[key],
                      f"Accepted forms: {ACCEPTED_FORMS}.")

    # --- the sections -------------------------------------------------------------------

    def sop(self, top: Any) -> Sop:
        top = self.mapping(top, "the file", 1)
        self.keys(top, "the file", (TOP_REQUIRED, TOP_OPTIONAL))
        if top["format"] != FORMAT:
            self.fail(f"format is '{top['format']}', not '{FORMAT}'", top.lines["format"],
                      f"Write 'format: {FORMAT}'.")
        identitas = self.identitas(self.mapping(top["identitas"], "identitas",
                                                top.lines["identitas"]))
        roles = self.items(top["pelaksana"], "pelaksana", top.lines["pelaksana"])
        steps = self.items(top["langkah"], "langkah", top.lines["langkah"])
        if not steps:
            self.fail("langkah is empty", top.lines["langkah"], "List the flowchart rows.")
        rules = self.items(top.get("aturan") or LineList(), "aturan", top.lines.get("aturan", 1))
        standar = StandarPelayanan()
        if top.get("standar_pelayanan") is not None:
            standar = self.standar(self.mapping(top["standar_pelayanan"], "standar_pelayanan",
                                                top.lines["standar_pelayanan"]))
        kalender = self.text(top, "kalender", "the file") if "kalender" in top else "default"
        return Sop(
            identitas=identitas,
            pelaksana=tuple(self.pelaksana(r, roles.lines[i], i) for i, r in enumerate(roles)),
            langkah=tuple(self.langkah(s, steps.lines[i], i) for i, s in enumerate(steps)),
            aturan=tuple(self.aturan(a, rules.lines[i], i) for i, a in enumerate(rules)),
            standar_pelayanan=standar,
            kalender=kalender,
            file=self.file,
        )

    def identitas(self, m: LineDict) -> Identitas:
        self.keys(m, "identitas", (IDENTITAS_REQUIRED, IDENTITAS_OPTIONAL))
        where = "identitas"
        pengesahan = m.get("pengesahan") or {}
        if not isinstance(pengesahan, dict):
            pengesahan = {"nama": str(pengesahan)}
        return Identitas(
            judul=self.text(m, "judul", where),
            layanan=self.text(m, "layanan", where),
            tanggal_efektif=self.day(m, "tanggal_efektif", where),
            nomor_sop=self.opt_text(m, "nomor_sop", where),
            instansi=self.opt_text(m, "instansi", where),
            unit_kerja=self.opt_text(m, "unit_kerja", where),
            tanggal_pembuatan=self.day(m, "tanggal_pembuatan", where)
            if m.get("tanggal_pembuatan") else None,
            tanggal_revisi=self.day(m, "tanggal_revisi", where)
            if m.get("tanggal_revisi") else None,
            pengesahan={str(k): v for k, v in pengesahan.items()},
            dasar_hukum=self.texts(m, "dasar_hukum", where),
            kualifikasi_pelaksana=self.texts(m, "kualifikasi_pelaksana", where),
            keterkaitan=self.texts(m, "keterkaitan", where),
            peralatan=self.texts(m, "peralatan", where),
            peringatan=self.opt_text(m, "peringatan", where),
            pencatatan=self.opt_text(m, "pencatatan", where),
        )

    def pelaksana(self, value: Any, line: int, index: int) -> Pelaksana:
        m = self.mapping(value, f"pelaksana {index + 1}", line)
        where = f"pelaksana '{m['id']}'" if "id" in m else f"pelaksana {index + 1}"
        self.keys(m, where, PELAKSANA_KEYS)
        return Pelaksana(id=self.text(m, "id", where), nama=self.text(m, "nama", where),
                         eksternal=self.flag(m, "eksternal", where, False), line=m.line)

    def langkah(self, value: Any, line: int, index: int) -> Langkah:
        m = self.mapping(value, f"step {index + 1}", line)
        where = f"step '{m['id']}'" if "id" in m else f"step {index + 1}"
        self.keys(m, where, LANGKAH_KEYS)
        simbol = self.text(m, "simbol", where)
        if simbol not in SIMBOL:
            self.fail(f"{where} has simbol '{simbol}', which is not an SOP symbol",
                      m.lines["simbol"],
                      f"{suggest(simbol, SIMBOL)}Use one of: {', '.join(SIMBOL)}.")
        mutu = MutuBaku()
        if m.get("mutu_baku") is not None:
            mutu = self.mutu(self.mapping(m["mutu_baku"], f"mutu_baku of {where}",
                                          m.lines["mutu_baku"]), where)
        cabang: tuple[Cabang, ...] = ()
        if "cabang" in m:
            branches = self.items(m["cabang"], f"cabang of {where}", m.lines["cabang"])
            cabang = tuple(self.cabang(b, branches.lines[i], i, where)
                           for i, b in enumerate(branches))
        if "berikut" in m and "cabang" in m:
            self.fail(f"{where} has both 'berikut' and 'cabang'", m.lines["cabang"],
                      "Keep 'cabang' for a keputusan step, or 'berikut' for any other step.")
        if cabang and simbol != "keputusan":
            self.fail(f"{where} has branches but simbol '{simbol}'", m.lines["cabang"],
                      "Only a decision branches: write 'simbol: keputusan', or use 'berikut'.")
        if simbol == "keputusan" and len(cabang) < 2:
            self.fail(f"decision {where} has {len(cabang)} branch(es)", m.line,
                      "A keputusan needs at least two 'cabang' entries {label, ke}.")
        hasil = self.opt_text(m, "hasil", where)
        if hasil is not None and hasil not in HASIL:
            self.fail(f"{where} has hasil '{hasil}', which is not an outcome", m.lines["hasil"],
                      f"{suggest(hasil, HASIL)}Use one of: {', '.join(HASIL)}.")
        berikut = self.opt_text(m, "berikut", where)
        if hasil is not None and (berikut or cabang):
            self.fail(f"{where} has 'hasil' but is not an end step", m.lines["hasil"],
                      "Only a step without 'berikut' or 'cabang' ends a case: remove 'hasil'.")
        return Langkah(
            id=self.text(m, "id", where),
            simbol=simbol,  # type: ignore[arg-type]
            kegiatan=self.text(m, "kegiatan", where),
            pelaksana=self.text(m, "pelaksana", where),
            mutu_baku=mutu,
            berikut=berikut,
            cabang=cabang,
            hasil=hasil,
            dicatat=self.flag(m, "dicatat", where, True),
            line=m.line,
            lines=dict(m.lines),
        )

    def mutu(self, m: LineDict, where: str) -> MutuBaku:
        self.keys(m, f"mutu_baku of {where}", MUTU_KEYS)
        waktu = self.duration(m, "waktu", where) if m.get("waktu") is not None else None
        return MutuBaku(kelengkapan=self.texts(m, "kelengkapan", where), waktu=waktu,
                        output=self.opt_text(m, "output", where))

    def cabang(self, value: Any, line: int, index: int, step: str) -> Cabang:
        where = f"branch {index + 1} of {step}"
        m = self.mapping(value, where, line)
        self.keys(m, where, CABANG_KEYS)
        return Cabang(
            label=self.text(m, "label", where),
            ke=self.text(m, "ke", where),
            kembali=self.flag(m, "kembali", where, False),
            maks_ulang=self.whole(m, "maks_ulang", where) if "maks_ulang" in m else None,
            line=m.line,
        )

    def aturan(self, value: Any, line: int, index: int) -> Aturan:
        where = f"aturan {index + 1}"
        m = self.mapping(value, where, line)
        if "jenis" not in m:
            self.fail(f"{where} has no 'jenis'", m.line, f"Add 'jenis:' ({HINTS['jenis']}).")
        jenis = self.text(m, "jenis", where)
        if jenis not in ATURAN_KEYS:
            self.fail(f"{where} has jenis '{jenis}', which is not a rule type", m.lines["jenis"],
                      f"{suggest(jenis, tuple(ATURAN_KEYS))}Use one of: "
                      f"{', '.join(ATURAN_KEYS)}.")
        where = f"aturan {index + 1} ({jenis})"
        self.keys(m, where, (("jenis", *ATURAN_KEYS[jenis]), ()))
        if jenis == "pemisahan_tugas":
            pair = self.texts(m, "langkah", where)
            if len(pair) != 2:
                self.fail(f"{where} names {len(pair)} step(s)", m.lines["langkah"],
                          "Name exactly two steps: 'langkah: [entri, validasi]'.")
            return PemisahanTugas(langkah=(pair[0], pair[1]), line=m.line)
        if jenis == "wajib_sebelum":
            return WajibSebelum(langkah=self.text(m, "langkah", where),
                                sebelum=self.text(m, "sebelum", where), line=m.line)
        return MaksKali(langkah=self.text(m, "langkah", where),
                        maks=self.whole(m, "maks", where), line=m.line)

    def standar(self, m: LineDict) -> StandarPelayanan:
        where = "standar_pelayanan"
        self.keys(m, where, STANDAR_KEYS)
        waktu = self.duration(m, "jangka_waktu", where) if m.get("jangka_waktu") else None
        return StandarPelayanan(jangka_waktu=waktu, mulai=self.opt_text(m, "mulai", where),
                                selesai=self.opt_text(m, "selesai", where), line=m.line)


def _kind(value: Any) -> str:
    if isinstance(value, LineDict):
        return "a mapping"
    if isinstance(value, LineList):
        return "a list"
    if value is None:
        return "empty"
    return f"'{value}'"


def parse_sop(text: str, file: str = "<text>") -> Sop:
    """Build a :class:`Sop` from YAML text and validate it (file names the source in errors)."""
    from pipeline.sop.validate import validate

    try:
        data = load_marked(text)
    except DuplicateKey as exc:
        raise SopError(f"key '{exc.key}' is written twice (first at line {exc.first})",
                       file=file, line=exc.line, fix="Keep one of them.") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise SopError(f"not valid YAML: {exc.problem}", file=file, line=line,
                       fix="Check the indentation and the quotes around this line.") from None
    if data is None:
        raise SopError("the file is empty", file=file, line=1,
                       fix="Start it with 'format: sop-ap/1' (see docs/sop-format.md).")
    sop = _Reader(file).sop(data)
    validate(sop)
    return sop


def load_sop(path: str | Path) -> Sop:
    """Load and validate one ``sop-ap/1`` file. Raises :class:`SopError` naming file and line."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SopError("file not found", file=file, fix="Check the path.") from None
    except UnicodeDecodeError:
        raise SopError("not UTF-8 text", file=file, fix="Save the file as UTF-8.") from None
    return parse_sop(text, str(file))
