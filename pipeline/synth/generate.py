"""The seeded generator: a year of Kabupaten Kepahiang played on the SOPs of a library.

:func:`generate` draws arrivals per service (weighted by weekday and season, on working days in
office hours), plays each case on the SOP version in force when it started, injects at most one
deviation per case at the given rates, and returns the events with the ground truth. Everything
random comes from one ``numpy`` generator seeded with ``seed``; nothing reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.calendar import calendar_from_settings, deadline
from pipeline.errors import SopError
from pipeline.settings import Settings
from pipeline.sop.versions import SopLibrary
from pipeline.synth.cases import Draws, Played, Player, Staffing, has, internal_slots, stop_slot
from pipeline.synth.clock import Clock
from pipeline.synth.paths import Flow
from pipeline.synth.world import KECAMATAN, MIX, OFFICE, OPD, SEASON, WEEKDAY, names, niks, roster

CODES: tuple[str, ...] = (
    "skipped_step", "extra_step", "wrong_order", "rework_over_limit", "wrong_role",
    "segregation_of_duties", "rule_violation", "step_overtime", "sla_breach",
)
#: probability that a case whose SOP can have the deviation gets it injected (one per case)
DEFAULT_RATES: dict[str, float] = {
    "skipped_step": 0.03, "extra_step": 0.02, "wrong_order": 0.02, "rework_over_limit": 0.01,
    "wrong_role": 0.02, "segregation_of_duties": 0.01, "rule_violation": 0.01,
    "step_overtime": 0.03, "sla_breach": 0.02,
}
PREFIX = {"kk-baru": "KK", "akta-kelahiran": "AKL", "ktp-el": "KTP",
          "kenaikan-pangkat-reguler": "KP", "pbg": "PBG"}
EVENTS_COLUMNS = ("case_id", "activity", "timestamp", "resource", "role", "layanan", "unit")
TRUTH_COLUMNS = ("case_id", "jenis", "langkah")


@dataclass(frozen=True)
class _Case:
    case_id: str
    layanan: str
    day: int
    arrival: int
    unit: str
    nik: str
    nama: str


@dataclass
class SynthResult:
    """What was generated. ``truth`` has one row per deviation in ``events``; a case without a
    row is clean. ``cases`` carries the case-level data the exports need (applicant NIK and
    name, unit, SOP version); ``after_hours`` lists the deliberate events outside office hours."""

    events: pd.DataFrame
    truth: pd.DataFrame
    cases: pd.DataFrame
    after_hours: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)


def check_rates(rates: dict[str, float] | None) -> dict[str, float]:
    """The default rates overlaid with ``rates``; refuses unknown codes and impossible values."""
    merged = dict(DEFAULT_RATES)
    for code, value in (rates or {}).items():
        if code not in CODES:
            raise ValueError(f"unknown deviation code '{code}'; known codes: {', '.join(CODES)}")
        if not 0 <= float(value) <= 1:
            raise ValueError(f"rate of '{code}' must be between 0 and 1, got {value}")
        merged[code] = float(value)
    if sum(merged.values()) > 1:
        raise ValueError(f"the rates add up to {sum(merged.values()):.2f}; at most 1 (one deviation per case)")
    return merged


def eligible(flow: Flow) -> set[str]:
    """The codes an SOP can show at all."""
    out = {"skipped_step", "extra_step", "wrong_order", "wrong_role", "step_overtime"}
    if flow.bounded:
        out.add("rework_over_limit")
    if flow.pairs:
        out.add("segregation_of_duties")
    if flow.before or flow.max_times:
        out.add("rule_violation")
    if flow.promise is not None:
        out.add("sla_breach")
    return out


def generate(library: SopLibrary, *, seed: int, cases: int, start: dt.date, end: dt.date,
             rates: dict[str, float] | None = None,
             settings: Settings | None = None) -> SynthResult:
    """Play ``cases`` applications arriving between ``start`` and ``end`` (inclusive)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    rates = check_rates(rates)
    settings = settings or Settings()
    rng = np.random.default_rng(seed)
    draws = Draws(rng)
    services = [s for s in MIX if s in library.layanan]
    if not services:
        raise SopError("the SOP library holds none of the Kepahiang services",
                       fix=f"Load data/sop; services played: {', '.join(MIX)}.")
    share = np.array([MIX[s] for s in services])
    counts = rng.multinomial(cases, share / share.sum())
    cal = calendar_from_settings(settings, "default")
    clock = Clock.build(cal, start - dt.timedelta(days=31), end + dt.timedelta(days=400))
    people = roster()
    staffing = Staffing(
        pools={}, role_of={p.nip: p.role for p in people},
    )
    for p in people:
        staffing.pools.setdefault((p.office, p.role), []).append(p.nip)
    first_day = clock.first_day_on_or_after(start)
    last_day = clock.first_day_on_or_after(end + dt.timedelta(days=1)) - 1
    staffing.away = _leave(rng, [p.nip for p in people], first_day, last_day + 60)
    player = Player(clock, staffing, draws)
    flows: dict[str, Flow] = {}

    table = _arrivals(rng, library, services, counts, clock, first_day, last_day)
    case_rows: list[dict[str, Any]] = []
    event_rows: list[tuple[Any, ...]] = []
    evening: list[bool] = []
    truth_rows: list[tuple[str, str, str]] = []
    stops: list[tuple[int, int, str]] = []  # (row of clock start, row of stop, flow key)
    codes = list(rates)
    for row in table.to_dict("records"):
        case = _Case(str(row["case_id"]), str(row["layanan"]), int(row["day"]),
                     int(row["arrival"]), str(row["unit"]), str(row["nik"]), str(row["nama"]))
        model = library.in_force(case.layanan, clock.day_dates[case.day])
        sop = model.sop
        assert sop is not None
        key = f"{sop.layanan}@{sop.tanggal_efektif}"
        flow = flows.get(key) or flows.setdefault(key, Flow(sop))
        office = OFFICE[case.layanan]
        allowed = eligible(flow)
        code = _pick_code(draws.uniform(), codes, rates, allowed)
        played = player.plan(flow, code)
        player.play_times(flow, office, played, int(case.arrival))
        _after_timing(player, flow, office, played)
        base = len(event_rows)
        mulai_row = stop_row = None
        stop = stop_slot(flow, played.slots)
        for s in played.slots:
            if s.silent:
                continue
            if s is stop:
                stop_row = len(event_rows)
            if flow.mulai is None and mulai_row is None:
                mulai_row = len(event_rows)
            if s.step == flow.mulai and stop_row is None and not s.foreign:
                mulai_row = len(event_rows)
            event_rows.append((case.case_id, s.step, s.pos, s.resource, s.role, case.layanan,
                               case.unit, key))
            evening.append(s.evening)
        if flow.promise is not None and mulai_row is not None and stop_row is not None:
            stops.append((mulai_row, stop_row, key))
        truth_rows += [(case.case_id, j, lk) for j, lk in played.truth]
        truth_rows += [(case.case_id, j, lk) for j, lk in _rules_and_roles(flow, event_rows[base:])]
        case_rows.append({"case_id": case.case_id, "layanan": case.layanan, "unit": case.unit,
                          "sop": sop.identitas.nomor_sop or "", "tanggal_efektif": sop.tanggal_efektif,
                          "nik": case.nik, "nama": case.nama, "injected": code or ""})

    events = pd.DataFrame(event_rows, columns=[*EVENTS_COLUMNS, "_flow"])
    stamps = clock.instants(events["timestamp"].to_numpy(dtype=np.int64))
    late = np.asarray(evening, dtype=bool)
    if late.any():
        minutes = rng.integers(0, 150, int(late.sum()))
        local = stamps[late].normalize() + pd.to_timedelta(19 * 60 + minutes, unit="min")
        values = stamps.tz_convert("UTC").tz_localize(None).to_numpy(copy=True)
        values[late] = local.tz_convert("UTC").tz_localize(None).to_numpy()
        stamps = pd.DatetimeIndex(values).tz_localize("UTC").tz_convert(cal.tz)
    events["timestamp"] = stamps
    truth_rows += _timing_truth(events, stops, flows, cal)
    after = events.loc[late, ["case_id", "activity", "timestamp"]].copy()
    after["keterangan"] = "TTE melalui aplikasi seluler di luar jam kerja"
    events = events.drop(columns="_flow")
    order = np.lexsort((np.arange(len(events)), events["timestamp"].to_numpy(), events["case_id"].to_numpy()))
    events = events.iloc[order].reset_index(drop=True)
    truth = pd.DataFrame(truth_rows, columns=list(TRUTH_COLUMNS))
    truth["_k"] = truth["jenis"].map({c: i for i, c in enumerate(CODES)})
    truth = truth.sort_values(["case_id", "_k", "langkah"], kind="stable").drop(columns="_k")
    return SynthResult(
        events=events, truth=truth.reset_index(drop=True),
        cases=pd.DataFrame(case_rows).sort_values("case_id", kind="stable").reset_index(drop=True),
        after_hours=after.sort_values(["case_id", "timestamp"], kind="stable").reset_index(drop=True),
        parameters={"seed": seed, "cases": cases, "start": start.isoformat(),
                    "end": end.isoformat(), "rates": rates, "calendar": cal.name},
    )


# --- arrivals -------------------------------------------------------------------------------


def _arrivals(rng: np.random.Generator, library: SopLibrary, services: list[str],
              counts: np.ndarray, clock: Clock, first: int, last: int) -> pd.DataFrame:
    """One row per case: service, working day, arrival minute, unit, applicant, case id."""
    days = np.arange(first, last + 1)
    dates = [clock.day_dates[d] for d in days]
    frames = []
    for layanan, n in zip(services, counts, strict=True):
        office = OFFICE[layanan]
        weight = np.array([
            (WEEKDAY[office][day.weekday()] if day.weekday() < 5 else 0.3)
            * SEASON[layanan][day.month - 1] * _in_force(library, layanan, day)
            for day in dates])
        if n == 0 or weight.sum() == 0:
            continue
        chosen = np.sort(rng.choice(days, size=int(n), p=weight / weight.sum()))
        opens = np.array([clock.open_of(d) for d in chosen])
        length = np.array([clock.close_of(d) for d in chosen]) - opens
        arrival = opens + np.floor(rng.beta(1.4, 2.6, chosen.size) * np.maximum(length - 60, 1))
        if office == "bkpsdm":
            units = np.array(list(OPD))[rng.choice(len(OPD), chosen.size,
                                                   p=_norm(list(OPD.values())))]
        else:
            units = np.array(list(KECAMATAN))[rng.choice(len(KECAMATAN), chosen.size,
                                                         p=_norm(list(KECAMATAN.values())))]
        frame = pd.DataFrame({"layanan": layanan, "day": chosen, "arrival": arrival.astype(np.int64),
                              "unit": units})
        frame = frame.sort_values(["arrival"], kind="stable").reset_index(drop=True)
        month = [clock.day_dates[d].strftime("%Y/%m") for d in frame["day"]]
        frame["seq"] = pd.Series(month).groupby(month).cumcount() + 1
        frame["case_id"] = [f"{PREFIX.get(layanan, layanan.upper())}/{m}/{q:04d}"
                            for m, q in zip(month, frame["seq"], strict=True)]
        frame["nik"] = (niks(rng, frame["unit"].to_numpy()) if office != "bkpsdm"
                        else _nips(rng, len(frame)))
        frame["nama"] = names(rng, len(frame))
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["arrival", "case_id"], kind="stable").reset_index(drop=True)


def _in_force(library: SopLibrary, layanan: str, day: dt.date) -> float:
    try:
        return 1.0 if library.in_force(layanan, day).sop is not None else 0.0
    except SopError:
        return 0.0


def _norm(values: list[int]) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    return a / a.sum()


def _nips(rng: np.random.Generator, n: int) -> np.ndarray:
    born = rng.integers(1970, 1998, n)
    return np.array([f"{b}{m:02d}{d:02d}{b + t}{tm:02d}{g}{s:03d}" for b, m, d, t, tm, g, s in zip(
        born, rng.integers(1, 13, n), rng.integers(1, 29, n), rng.integers(22, 30, n),
        rng.integers(1, 13, n), rng.integers(1, 3, n), rng.integers(1, 999, n), strict=True)])


def _leave(rng: np.random.Generator, nips: list[str], first: int, last: int) -> dict[str, frozenset[int]]:
    """Annual leave (cuti tahunan): per person one block of 2-6 and one of 1-3 working days."""
    away: dict[str, frozenset[int]] = {}
    for nip in nips:
        days: set[int] = set()
        for low, high in ((2, 6), (1, 3)):
            length = int(rng.integers(low, high + 1))
            begin = int(rng.integers(first, max(first + 1, last - length)))
            days.update(range(begin, begin + length))
        away[nip] = frozenset(days)
    return away


def _pick_code(u: float, codes: list[str], rates: dict[str, float], allowed: set[str]) -> str | None:
    for code in codes:
        if code in allowed:
            if u < rates[code]:
                return code
            u -= rates[code]
    return None


# --- injections after timing -----------------------------------------------------------------


def _after_timing(player: Player, flow: Flow, office: str, played: Played) -> None:
    slots, d, staffing = played.slots, player.d, player.staffing
    rec = [s for s in slots if not s.silent]
    for k, s in enumerate(rec):
        if s.swap:
            t = rec[k + 1]
            s.step, t.step = t.step, s.step
            s.resource, t.resource = t.resource, s.resource
            s.role, t.role = t.role, s.role
            s.swap = False
            break
    if played.code == "wrong_role":
        partners = {b for a, b in flow.pairs} | {a for a, b in flow.pairs}
        target = d.pick(internal_slots(flow, slots))
        own = flow.steps[target.step].pelaksana
        banned = {own} | ({flow.steps[p].pelaksana for p in partners} if target.step in partners else set())
        roles = sorted({r for o, r in staffing.pools if o == office} - banned)
        role = d.pick(roles)
        day = player.clock.day_of(target.pos)
        here = staffing.available(office, role, day) or staffing.pools[(office, role)]
        target.resource, target.role = d.pick(here), role
    elif played.code == "segregation_of_duties":
        pairs = [(a, b) for a, b in flow.pairs if has(slots, a) and has(slots, b)]
        a, b = d.pick(pairs)
        first = next(s for s in rec if s.step == a)
        later = [s for s in rec[rec.index(first) + 1:] if s.step == b] or [s for s in rec if s.step == b]
        first.resource, first.role = later[0].resource, later[0].role


# --- measured truth ---------------------------------------------------------------------------


def _rules_and_roles(flow: Flow, rows: list[tuple[Any, ...]]) -> list[tuple[str, str]]:
    """wrong_role, segregation_of_duties and rule_violation as they stand in one case's events."""
    out: list[tuple[str, str]] = []
    acts = [r[1] for r in rows]
    for _, act, _, resource, role, *_ in rows:
        step = flow.steps.get(act)
        if step is not None and resource is not None and role != step.pelaksana:
            out.append(("wrong_role", act))
    for a, b in flow.pairs:
        doers_a = {r[3] for r in rows if r[1] == a and r[3] is not None}
        if any(r[1] == b and r[3] in doers_a for r in rows):
            out.append(("segregation_of_duties", b))
    for a, b in flow.before:
        if b in acts and a not in acts[:acts.index(b)]:
            out.append(("rule_violation", a))
    for a, most in flow.max_times:
        if acts.count(a) > most:
            out.append(("rule_violation", a))
    return out


def _timing_truth(events: pd.DataFrame, stops: list[tuple[int, int, str]], flows: dict[str, Flow],
                  cal: Any) -> list[tuple[str, str, str]]:
    """step_overtime and sla_breach measured on the written times, as the spec defines them."""
    out: list[tuple[str, str, str]] = []
    ts = events["timestamp"]
    same = events["case_id"].eq(events["case_id"].shift())
    prev = ts.shift()
    waktu = [
        (flows[k].steps[a].mutu_baku.waktu if a in flows[k].steps else None)
        for k, a in zip(events["_flow"], events["activity"], strict=True)
    ]
    texts = pd.Series([w.text if w is not None else None for w in waktu], index=events.index)
    by_text = {w.text: w for w in waktu if w is not None}
    for text, w in by_text.items():
        rows = events.index[(texts == text) & same]
        if len(rows) == 0:
            continue
        due = deadline(cal, pd.DatetimeIndex(prev[rows]), w)
        late = np.asarray(pd.DatetimeIndex(ts[rows]) > due)
        out += [(c, "step_overtime", a) for c, a in
                zip(events.loc[rows[late], "case_id"], events.loc[rows[late], "activity"], strict=True)]
    if stops:
        frame = pd.DataFrame(stops, columns=["m", "s", "k"])
        for key, group in frame.groupby("k", sort=True):
            promise = flows[str(key)].promise
            assert promise is not None
            begin = pd.DatetimeIndex(ts.iloc[group["m"].to_numpy()])
            stop = pd.DatetimeIndex(ts.iloc[group["s"].to_numpy()])
            late = np.asarray(stop > deadline(cal, begin, promise))
            out += [(c, "sla_breach", "") for c in events["case_id"].to_numpy()[group["s"].to_numpy()[late]]]
    return out
