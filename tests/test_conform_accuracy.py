"""The accuracy floor: on generated logs with known injected deviations of every code, for
every SOP of ``data/sop``, each code is found with precision and recall of at least 0.98, and
every case without an injected deviation comes out with fitness 1 and no row.
(``benchmarks/accuracy.py`` prints the full table on a bigger log.)"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from pipeline.conform import CODE_NAMES
from tests.conftest import REPO

pytest.importorskip("pipeline.synth")

FLOOR = 0.98


def _benchmark():
    spec = importlib.util.spec_from_file_location("accuracy", REPO / "benchmarks" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_code_is_found_with_precision_and_recall_above_the_floor(tmp_path):
    acc = _benchmark().evaluate(seed=11, cases=800, workdir=tmp_path)
    table = acc.per_code.set_index("jenis")
    assert set(table.index[table["truth"] > 0]) == set(CODE_NAMES)  # every code injected
    low = {j: (round(r["precision"], 4), round(r["recall"], 4)) for j, r in table.iterrows()
           if not (r["precision"] >= FLOOR and r["recall"] >= FLOOR)}
    assert low == {}
    assert set(acc.per_sop["layanan"]) >= {"kk-baru", "ktp-el", "akta-kelahiran",
                                           "kenaikan-pangkat-reguler", "pbg"}


def test_cases_without_injected_deviations_are_clean(tmp_path):
    acc = _benchmark().evaluate(seed=12, cases=400, workdir=tmp_path)
    assert acc.clean_cases > 0
    assert acc.clean_not_clean == []
