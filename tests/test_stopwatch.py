"""Where the time goes: stages timed by pipeline.stopwatch, and ``sopmine --timings``."""

from __future__ import annotations

import io
import time

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.stopwatch import Stopwatch, stage
from tests.conftest import REPO

SAMPLE = REPO / "data" / "sample" / "loket-kk-2025-03.csv"
KK_MAPPING = REPO / "data" / "mappings" / "loket-kk.yaml"
SOP = REPO / "data" / "sop"


def test_a_stage_outside_a_running_stopwatch_is_not_recorded():
    watch = Stopwatch()
    with stage("ingest"):
        pass
    assert watch.laps == {}


def test_nested_stages_are_recorded_under_their_parent_in_the_order_begun():
    watch = Stopwatch()
    with watch.running():
        with stage("check"):
            for _ in range(3):
                with stage("alignments"):
                    time.sleep(0.01)
            with stage("store results"):
                pass
        with stage("write cases.csv"):
            pass
    assert list(watch.laps) == ["check", "check/alignments", "check/store results",
                                "write cases.csv"]
    assert watch.laps["check/alignments"].calls == 3
    assert watch.laps["check/alignments"].seconds >= 0.03
    assert watch.laps["check"].seconds >= watch.laps["check/alignments"].seconds
    out = io.StringIO()
    watch.print(out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["stage", "seconds", "share", "calls", "peak", "MiB"]
    assert lines[2].startswith("  alignments ")  # indented under check
    assert lines[-2].startswith("outside the stages")
    assert lines[-1].startswith("total")
    assert 0 <= watch.unstaged() < watch.total()


def test_a_stage_that_fails_is_still_timed():
    watch = Stopwatch()
    with watch.running():
        try:
            with stage("ingest"):
                raise ValueError("bad row")
        except ValueError:
            pass
    assert watch.laps["ingest"].calls == 1


def test_sopmine_timings_prints_the_stages_of_a_run(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("SOPMINE_PSEUDONYM_KEY_FILE", settings.pseudonym_key_file)
    answer = CliRunner().invoke(cli, [
        "--timings", "run", str(SAMPLE), "--sop", str(SOP / "kk-baru-2024.yaml"),
        "--sop", str(SOP / "kk-baru-2025.yaml"), "--mapping", str(KK_MAPPING),
        "--out", str(tmp_path / "hasil"), "--no-reports"])
    assert answer.exit_code == 0, answer.output
    stages = [line.split()[0] for line in answer.stderr.splitlines()[1:]]
    for expected in ("ingest", "parse", "quality", "check", "cases", "events", "alignments",
                     "wrong_role", "step_overtime", "service", "store", "write", "manifest",
                     "outside", "total"):
        assert expected in stages, (expected, answer.stderr)
    assert "stage" not in answer.stdout  # the table goes to stderr, the results to stdout


def test_sopmine_timings_shows_each_report_format(settings, tmp_path, monkeypatch):
    # a slow report must say whether the time went to the figures, the PDF or the workbook
    monkeypatch.setenv("SOPMINE_PSEUDONYM_KEY_FILE", settings.pseudonym_key_file)
    db = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "ingest", str(SAMPLE), "--mapping",
                               str(KK_MAPPING)]).exit_code == 0
    answer = runner.invoke(cli, [
        "--db", db, "--timings", "report", "--period", "2025-03", "--sop",
        str(SOP / "kk-baru-2024.yaml"), "--sop", str(SOP / "kk-baru-2025.yaml"),
        "--format", "html,xlsx", "--out", str(tmp_path / "laporan")])
    assert answer.exit_code == 0, answer.output
    lines = [line.split() for line in answer.stderr.splitlines()[1:]]
    stages = {" ".join(words[:2]) for words in lines}
    assert {"report data", "report html", "report xlsx"} <= stages, answer.stderr
