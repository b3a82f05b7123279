"""The seeded generator of Kepahiang demo logs: deterministic for a seed, on the working calendar,
and its ground truth is exactly what it wrote (clean cases conform, injected deviations are there)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from pipeline.calendar import calendar_from_settings, is_open, working_days_elapsed, working_seconds
from pipeline.settings import Settings
from pipeline.sop import SopLibrary, sop_to_net
from pipeline.synth import CODES, generate
from pipeline.synth.paths import Flow
from pipeline.timing import service_status
from tests.conftest import REPO

LIBRARY = SopLibrary.load(REPO / "data" / "sop")
CAL = calendar_from_settings(Settings())
RATES = dict.fromkeys(CODES, 0.04)
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def year():
    return generate(LIBRARY, seed=11, cases=1500, start=START, end=END, rates=RATES)


@pytest.fixture(scope="module")
def flows():
    return {(v.layanan, v.tanggal_efektif): Flow(v.sop) for lay in LIBRARY.layanan
            for v in LIBRARY.versions(lay)}


def traces(result) -> dict[str, list[str]]:
    return result.events.groupby("case_id", sort=False)["activity"].agg(list).to_dict()


def flow_of(result, flows) -> dict[str, Flow]:
    return {c.case_id: flows[(c.layanan, c.tanggal_efektif)]
            for c in result.cases.itertuples(index=False)}


def clean_ids(result) -> set[str]:
    return set(result.cases["case_id"]) - set(result.truth["case_id"])


def rows_of(result, jenis: str) -> pd.DataFrame:
    return result.truth[result.truth["jenis"].eq(jenis)]


# --- determinism ------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_log_and_truth():
    a = generate(LIBRARY, seed=3, cases=300, start=START, end=END)
    b = generate(LIBRARY, seed=3, cases=300, start=START, end=END)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    other = generate(LIBRARY, seed=4, cases=300, start=START, end=END)
    assert not a.events["timestamp"].equals(other.events["timestamp"])


def test_events_are_canonical_and_ordered_by_case_then_time(year):
    ev = year.events
    assert list(ev.columns) == ["case_id", "activity", "timestamp", "resource", "role",
                                "layanan", "unit"]
    assert str(ev["timestamp"].dt.tz) == "Asia/Jakarta"
    assert ev["case_id"].is_monotonic_increasing
    assert (ev.groupby("case_id")["timestamp"].diff().dropna() > pd.Timedelta(0)).all()
    assert list(year.truth.columns) == ["case_id", "jenis", "langkah"]
    assert set(year.truth["jenis"]) <= set(CODES)


# --- the calendar -----------------------------------------------------------------------------


def test_every_event_is_in_office_hours_on_a_working_day_except_evening_signatures(year):
    ev = year.events
    inside = is_open(CAL, ev["timestamp"])
    outside = ev[~inside]
    keys = set(zip(year.after_hours["case_id"], year.after_hours["timestamp"], strict=True))
    assert set(zip(outside["case_id"], outside["timestamp"], strict=True)) == keys
    assert set(outside["activity"]) <= {"tte", "terbit"}  # e-signatures of the head of office
    assert set(outside["role"]) == {"kadis"}
    assert all(CAL.is_working_day(t.date()) for t in outside["timestamp"])
    assert 0 < len(outside) < 0.01 * len(ev)


def test_cases_arrive_on_working_days_between_start_and_end(year):
    first = year.events.groupby("case_id")["timestamp"].min()
    days = {t.date() for t in first}
    assert min(days) >= START and max(days) <= END
    assert all(CAL.is_working_day(d) for d in days)


def test_arrivals_follow_weekdays_and_seasons(year):
    first = year.events.groupby("case_id").agg(t=("timestamp", "min"), layanan=("layanan", "first"))
    weekday = first["t"].dt.day_of_week.value_counts()
    assert weekday[0] > weekday[4]  # Monday busier than Friday
    kp = first[first["layanan"].eq("kenaikan-pangkat-reguler")]["t"].dt.month
    assert kp.isin([1, 2, 7, 8]).mean() > 0.8  # the BKN upload windows
    akta = first[first["layanan"].eq("akta-kelahiran")]["t"].dt.month.value_counts()
    assert akta.get(6, 0) > akta.get(12, 0)  # before school enrolment


# --- clean cases conform exactly ----------------------------------------------------------------


def test_clean_cases_follow_a_path_the_sop_allows(year, flows):
    which = flow_of(year, flows)
    trace = traces(year)
    clean = clean_ids(year)
    assert len(clean) > 0.5 * len(trace)
    assert all(which[c].accepts(trace[c]) for c in clean)


def test_clean_variants_have_alignment_fitness_one(year, flows):
    from pipeline._pm4py import alignment_fitness

    which = flow_of(year, flows)
    trace = traces(year)
    variants: dict[int, tuple[Flow, set[tuple[str, ...]]]] = {}
    for c in clean_ids(year):
        variants.setdefault(id(which[c]), (which[c], set()))[1].add(tuple(trace[c]))
    for flow, seen in variants.values():
        fitness = alignment_fitness(sop_to_net(flow.sop), sorted(seen))
        assert fitness == [1.0] * len(seen), flow.sop.layanan


def test_clean_cases_rework_within_maks_ulang_and_maks_kali(year, flows):
    which = flow_of(year, flows)
    trace = traces(year)
    for c in clean_ids(year):
        flow, acts = which[c], trace[c]
        for (step, _), n in _returns(flow, acts).items():
            assert n <= flow.caps[(step, _)], (c, step)
        for step, most in flow.max_times:
            assert acts.count(step) <= most


def test_clean_cases_have_the_right_roles_and_two_people_where_required(year, flows):
    which = flow_of(year, flows)
    ev = year.events[year.events["case_id"].isin(clean_ids(year))]
    for c, group in ev.groupby("case_id"):
        flow = which[c]
        for act, role in zip(group["activity"], group["role"], strict=True):
            assert role == flow.steps[act].pelaksana
        for a, b in flow.pairs:
            assert not set(group.loc[group["activity"].eq(a), "resource"]) & set(
                group.loc[group["activity"].eq(b), "resource"])


def test_clean_cases_keep_step_times_and_the_promise(year, flows):
    which = flow_of(year, flows)
    ev = year.events[year.events["case_id"].isin(clean_ids(year))].reset_index(drop=True)
    same = ev["case_id"].eq(ev["case_id"].shift())
    prev = ev["timestamp"].shift()
    for i in np.flatnonzero(same.to_numpy()):
        w = which[ev.at[i, "case_id"]].steps[ev.at[i, "activity"]].mutu_baku.waktu
        if w is None:
            continue
        if w.kind == "working_days":
            assert working_days_elapsed(CAL, [prev[i]], [ev.at[i, "timestamp"]])[0] <= w.days
        else:
            assert working_seconds(CAL, [prev[i]], [ev.at[i, "timestamp"]])[0] <= w.seconds
    for version in {id(f): f for f in which.values()}.values():
        cases = [c for c in ev["case_id"].unique() if which[c] is version]
        part = ev[ev["case_id"].isin(cases)]
        std = version.sop.standar_pelayanan
        status = service_status(part, CAL, std.jangka_waktu, as_of=pd.Timestamp("2027-01-01", tz="Asia/Jakarta"),
                                mulai=std.mulai, selesai=std.selesai, end_activities=version.ends)
        assert set(status["status"]) == {"on_time"}, version.sop.file


# --- the ground truth is what was written --------------------------------------------------------


def test_every_code_is_injected(year):
    injected = year.cases["injected"].value_counts()
    for code in CODES:
        assert (year.truth["jenis"] == code).any(), code
        assert injected.get(code, 0) > 0, code


def test_injected_codes_are_in_the_truth_of_their_case(year):
    truth = set(zip(year.truth["case_id"], year.truth["jenis"], strict=True))
    for c in year.cases[year.cases["injected"].ne("")].itertuples(index=False):
        assert (c.case_id, c.injected) in truth, c


def test_every_skipped_step_is_really_absent(year, flows):
    which, trace = flow_of(year, flows), traces(year)
    for r in rows_of(year, "skipped_step").itertuples(index=False):
        assert r.langkah not in trace[r.case_id]
        assert not which[r.case_id].accepts(trace[r.case_id])


def test_extra_steps_carry_a_label_outside_the_sop(year, flows):
    which, trace = flow_of(year, flows), traces(year)
    for r in rows_of(year, "extra_step").itertuples(index=False):
        foreign = [a for a in trace[r.case_id] if a not in which[r.case_id].steps]
        assert len(foreign) == 1 and r.langkah == ""


def test_wrong_order_is_one_swap_of_two_adjacent_steps(year, flows):
    which, trace = flow_of(year, flows), traces(year)
    for r in rows_of(year, "wrong_order").itertuples(index=False):
        acts, flow = trace[r.case_id], which[r.case_id]
        assert not flow.accepts(acts)
        k = acts.index(r.langkah)
        fixed = [*acts[:k], acts[k + 1], acts[k], *acts[k + 2:]]
        assert flow.accepts(fixed)


def test_rework_over_limit_is_one_return_more_than_maks_ulang(year, flows):
    which, trace = flow_of(year, flows), traces(year)
    for r in rows_of(year, "rework_over_limit").itertuples(index=False):
        flow = which[r.case_id]
        counts = _returns(flow, trace[r.case_id])
        over = [e for e in flow.bounded if e[0] == r.langkah]
        assert any(counts.get(e, 0) == flow.caps[e] + 1 for e in over)


def test_wrong_role_and_segregation_rows_name_the_doers(year, flows):
    which = flow_of(year, flows)
    ev = year.events
    for r in rows_of(year, "wrong_role").itertuples(index=False):
        rows = ev[ev["case_id"].eq(r.case_id) & ev["activity"].eq(r.langkah)]
        assert (rows["role"] != which[r.case_id].steps[r.langkah].pelaksana).any()
    for r in rows_of(year, "segregation_of_duties").itertuples(index=False):
        case = ev[ev["case_id"].eq(r.case_id)]
        (a, b), = [p for p in which[r.case_id].pairs if p[1] == r.langkah]
        assert set(case.loc[case["activity"].eq(a), "resource"]) & set(
            case.loc[case["activity"].eq(b), "resource"])


def test_rule_violations_break_the_named_rule(year, flows):
    which, trace = flow_of(year, flows), traces(year)
    for r in rows_of(year, "rule_violation").itertuples(index=False):
        flow, acts = which[r.case_id], trace[r.case_id]
        broken = [b for a, b in flow.before if a == r.langkah and b in acts
                  and r.langkah not in acts[:acts.index(b)]]
        too_many = [m for a, m in flow.max_times if a == r.langkah and acts.count(a) > m]
        assert broken or too_many


def test_injected_overtime_and_breaches_are_clearly_over(year, flows):
    which = flow_of(year, flows)
    ev = year.events
    for r in rows_of(year, "sla_breach").itertuples(index=False):
        flow = which[r.case_id]
        std = flow.sop.standar_pelayanan
        status = service_status(ev[ev["case_id"].eq(r.case_id)], CAL, std.jangka_waktu,
                                as_of=pd.Timestamp("2027-01-01", tz="Asia/Jakarta"),
                                mulai=std.mulai, selesai=std.selesai, end_activities=flow.ends)
        assert status["status"].tolist() == ["late"]
    injected = set(year.cases.loc[year.cases["injected"].eq("step_overtime"), "case_id"])
    chosen = rows_of(year, "step_overtime")
    chosen = chosen[chosen["case_id"].isin(injected)]
    for r in chosen.itertuples(index=False):
        case = ev[ev["case_id"].eq(r.case_id)].reset_index(drop=True)
        w = which[r.case_id].steps[r.langkah].mutu_baku.waktu
        spans = [(case.at[i - 1, "timestamp"], case.at[i, "timestamp"])
                 for i in case.index[case["activity"].eq(r.langkah)] if i > 0]
        if w.kind == "working_days":
            assert max(working_days_elapsed(CAL, [a], [b])[0] for a, b in spans) >= w.days + 1
        else:
            assert max(working_seconds(CAL, [a], [b])[0] for a, b in spans) >= 2 * w.seconds


def test_no_deviation_injected_when_every_rate_is_zero():
    result = generate(LIBRARY, seed=5, cases=300, start=START, end=END,
                      rates=dict.fromkeys(CODES, 0.0))
    assert set(result.cases["injected"]) == {""}
    # what remains are backlogs while a single office head is on leave: timing only
    assert set(result.truth["jenis"]) <= {"step_overtime", "sla_breach"}


def test_rates_must_be_known_codes_and_add_up_to_at_most_one():
    with pytest.raises(ValueError, match="unknown deviation code 'skipped'"):
        generate(LIBRARY, seed=1, cases=10, start=START, end=END, rates={"skipped": 0.1})
    with pytest.raises(ValueError, match="add up to"):
        generate(LIBRARY, seed=1, cases=10, start=START, end=END, rates=dict.fromkeys(CODES, 0.2))


def test_the_2025_revision_of_kk_baru_governs_cases_from_july(year):
    kk = year.events[year.events["layanan"].eq("kk-baru")]
    first = kk.groupby("case_id")["timestamp"].min()
    acts = kk.groupby("case_id")["activity"].agg(set)
    late = first[first >= pd.Timestamp("2025-07-01", tz="Asia/Jakarta")].index
    early = first[first < pd.Timestamp("2025-07-01", tz="Asia/Jakarta")].index
    assert not any("cetak" in acts[c] for c in late)
    assert not any("kirim" in acts[c] for c in early)


def _returns(flow: Flow, acts: list[str]) -> Counter:
    """Return edges taken along a recorded trace (both ends recorded)."""
    counts: Counter = Counter()
    for a, b in itertools.pairwise(acts):
        if a in flow.steps:
            for t, e in flow.targets(a):
                if t == b and e in flow.caps:
                    counts[e] += 1
    return counts
