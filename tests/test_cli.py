"""The sopmine command as a user meets it: one line per error, non-zero exit, --debug for the
traceback, and a --help that does not load pandas or pm4py."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import BAD, MAPPINGS, REPO

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def sopmine(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, env=ENV, cwd=cwd, timeout=300)


def test_help_lists_the_commands_without_loading_pandas_or_pm4py():
    code = ("import sys; from pipeline.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in ('pandas', 'pm4py', 'duckdb') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert "ingest" in out.stdout and "quality" in out.stdout and "calendar" in out.stdout
    assert "LOADED []" in out.stdout


def test_ingest_then_quality_prints_the_summary(tmp_path):
    db = str(tmp_path / "w.duckdb")
    first = sopmine("--db", db, "ingest", str(BAD / "timestamps.csv"), "--mapping",
                    str(MAPPINGS / "counter.yaml"))
    assert first.returncode == 0, first.stderr
    assert "load 1: 1 events added, 6 rows quarantined, 0 already stored." in first.stdout
    again = sopmine("--db", db, "ingest", str(BAD / "timestamps.csv"), "--mapping",
                    str(MAPPINGS / "counter.yaml"))
    assert "already loaded with this mapping (load 1); nothing added." in again.stdout
    quality = sopmine("--db", db, "quality")
    assert "rows read 7 = loaded 1 + quarantined 6 + already stored 0" in quality.stdout
    assert "quarantined: bad_timestamp: 2" in quality.stdout


def test_a_bad_file_gives_one_line_and_exit_code_2(tmp_path):
    out = sopmine("--db", str(tmp_path / "w.duckdb"), "ingest", str(BAD / "empty.csv"),
                  "--mapping", str(MAPPINGS / "counter.yaml"))
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert out.stderr.startswith("sopmine: error: ") and "empty.csv: the file is empty" in out.stderr


def test_debug_shows_the_traceback(tmp_path):
    out = sopmine("--debug", "--db", str(tmp_path / "w.duckdb"), "ingest", str(BAD / "empty.csv"))
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_a_mapping_with_an_unknown_key_names_the_line_and_the_known_keys(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {case_id: A, activity: B, timestamp: C}\ntimezome: Asia/Jakarta\n")
    out = sopmine("--db", str(tmp_path / "w.duckdb"), "ingest", str(BAD / "timestamps.csv"),
                  "--mapping", str(mapping))
    assert out.returncode == 2
    assert f"{mapping}, line 2: unknown key 'timezome'. Did you mean 'timezone'?" in out.stderr


def test_quality_without_a_warehouse_says_how_to_make_one(tmp_path):
    out = sopmine("--db", str(tmp_path / "none.duckdb"), "quality")
    assert out.returncode == 2
    assert "no warehouse here yet. Load a log first" in out.stderr
