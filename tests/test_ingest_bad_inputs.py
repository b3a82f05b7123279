"""Bad input, as analysts really send it: each file gives the documented one-line message or
quarantined rows with a reason, and nothing already stored changes."""

from __future__ import annotations

import shutil

import pytest

from pipeline.errors import LogFormatError, MappingError
from pipeline.ingest import ingest_files
from tests.conftest import BAD, DATA, MAPPINGS, table_counts

COUNTER = MAPPINGS / "counter.yaml"


@pytest.fixture
def stored(warehouse, settings):
    """A warehouse that already holds a good load: bad input must leave it exactly as it is."""
    ingest_files(warehouse, [BAD / "mixed_dates.csv"], COUNTER, settings)
    return table_counts(warehouse)


@pytest.mark.parametrize(("file", "error", "message"), [
    ("empty.csv", LogFormatError, "empty.csv: the file is empty. Export the log again"),
    ("header_only.csv", LogFormatError, "header_only.csv: the file has a header but no data rows."),
    ("truncated.xes.gz", LogFormatError, "truncated.xes.gz: the compressed file is truncated or damaged"),
    ("not_xml.xes", LogFormatError, "not_xml.xes, line 3: is not well-formed XES"),
    ("merged_header.xlsx", LogFormatError,
     "merged_header.xlsx, row 1: sheet 'Ekspor': header cell C1 is empty (merged or missing header "
     "cells). Unmerge the header cells"),
])
def test_unreadable_files_are_refused_with_one_line_and_nothing_changes(
        warehouse, settings, stored, file, error, message):
    with pytest.raises(error) as caught:
        ingest_files(warehouse, [BAD / file], COUNTER, settings)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert table_counts(warehouse) == stored


def test_missing_case_id_column_names_the_columns_that_exist(warehouse, settings, stored):
    with pytest.raises(MappingError) as caught:
        ingest_files(warehouse, [BAD / "missing_case_column.csv"], COUNTER, settings)
    assert str(caught.value).endswith(
        "missing_case_column.csv: column 'NO_PERMOHONAN' named in mapping "
        f"{COUNTER} does not exist in the file. Columns in the file: AKTIVITAS, WAKTU, PETUGAS")
    assert table_counts(warehouse) == stored


def test_a_misspelt_column_in_the_mapping_gets_a_did_you_mean(warehouse, settings, tmp_path):
    mapping = tmp_path / "typo.yaml"
    mapping.write_text("columns: {case_id: NO_PERMOHONAN, activity: AKTIVITAS, timestamp: WAKTUU}\n")
    with pytest.raises(MappingError, match=r"column 'WAKTUU' .* Did you mean 'WAKTU'\?"):
        ingest_files(warehouse, [BAD / "timestamps.csv"], mapping, settings)


def test_bad_rows_go_to_quarantine_with_row_and_reason(warehouse, settings):
    [r] = ingest_files(warehouse, [BAD / "timestamps.csv"], COUNTER, settings)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (7, 1, 6)
    reasons = dict(warehouse.rows("SELECT source_row, reason_code FROM quarantine"))
    # row numbers as in a spreadsheet: the header is row 1
    assert reasons == {3: "bad_timestamp", 4: "bad_timestamp", 5: "future_timestamp",
                       6: "missing_timestamp", 7: "missing_case_id", 8: "missing_activity"}
    text = warehouse.scalar("SELECT reason FROM quarantine WHERE source_row = 3")
    assert text.startswith("the timestamp does not parse as a date and time: '31/02/2025 09:00'.")


def test_mixed_date_formats_in_one_column_all_parse_day_first(warehouse, settings):
    [r] = ingest_files(warehouse, [BAD / "mixed_dates.csv"], COUNTER, settings)
    assert r.rows_quarantined == 0
    local = warehouse.rows("""SELECT strftime(timezone('Asia/Jakarta', timestamp), '%Y-%m-%d %H:%M')
                              FROM events ORDER BY timestamp""")
    assert [t for (t,) in local] == ["2025-03-05 08:30", "2025-03-05 09:15", "2025-03-05 09:40",
                                     "2025-03-05 10:05", "2025-03-06 08:00", "2025-03-06 13:30"]


def test_a_windows_1252_export_is_read_without_mojibake(warehouse, settings):
    [r] = ingest_files(warehouse, [BAD / "cp1252.csv"], COUNTER, settings)
    assert r.quality["read_options"]["encoding"] == "cp1252"
    assert warehouse.scalar("SELECT DISTINCT resource FROM events") == "Petugas Ré"


def test_identical_rows_are_kept_and_reported_by_default(warehouse, settings):
    [r] = ingest_files(warehouse, [BAD / "duplicates.csv"], COUNTER, settings)
    assert r.rows_loaded == 3
    assert r.quality["identical_events"] == 1


def test_identical_rows_can_be_quarantined_instead(warehouse, settings, tmp_path):
    mapping = tmp_path / "strict.yaml"
    mapping.write_text(COUNTER.read_text() + "duplicate_rows: quarantine\n")
    [r] = ingest_files(warehouse, [BAD / "duplicates.csv"], mapping, settings)
    assert (r.rows_loaded, r.rows_quarantined) == (2, 1)
    assert warehouse.rows("SELECT source_row, reason_code FROM quarantine") == [(3, "duplicate_row")]


def test_a_row_with_too_many_fields_is_quarantined_not_dropped(warehouse, settings):
    [r] = ingest_files(warehouse, [BAD / "ragged.csv"], COUNTER, settings)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (3, 2, 1)
    assert warehouse.rows("SELECT source_row, reason_code FROM quarantine") == [(3, "unreadable_row")]
    # the good rows after it keep their own row numbers
    assert warehouse.scalar("SELECT source_row FROM events WHERE activity = 'entri'") == 4


def test_loading_the_same_file_twice_adds_nothing(warehouse, settings, stored):
    [again] = ingest_files(warehouse, [BAD / "mixed_dates.csv"], COUNTER, settings)
    assert again.already_loaded_as == 1
    assert table_counts(warehouse) == stored


def test_a_copy_under_another_name_adds_no_event(warehouse, settings, stored, tmp_path):
    copy = tmp_path / "ekspor_ulang.csv"
    shutil.copy(BAD / "mixed_dates.csv", copy)
    copy.write_text(copy.read_text() + "KK-011;ajukan;07/03/2025 08:00;P01\n")
    [r] = ingest_files(warehouse, [copy], COUNTER, settings)
    assert (r.rows_read, r.rows_duplicate, r.rows_loaded) == (7, 6, 1)
    assert table_counts(warehouse)["events"] == stored["events"] + 1


def test_excel_first_sheet_is_read_with_dates_and_text_dates(warehouse, settings):
    [r] = ingest_files(warehouse, [DATA / "counter.xlsx"], COUNTER, settings)
    assert (r.rows_read, r.rows_loaded) == (3, 3)
    rows = warehouse.rows("""SELECT source_row, activity,
                                    strftime(timezone('Asia/Jakarta', timestamp), '%d/%m %H:%M:%S')
                             FROM events ORDER BY source_row""")
    # the blank spreadsheet row 3 is layout, so 'periksa' is on row 4
    assert rows == [(2, "ajukan", "05/03 08:30:00"), (4, "periksa", "05/03 09:10:00"),
                    (5, "entri", "05/03 09:45:12")]
    assert warehouse.scalar("SELECT attributes->>'JUMLAH' FROM events WHERE source_row = 4") == "2"


def test_excel_sheet_that_does_not_exist_lists_the_sheets(warehouse, settings, tmp_path):
    mapping = tmp_path / "sheet.yaml"
    mapping.write_text(COUNTER.read_text() + "sheet: Data\n")
    with pytest.raises(LogFormatError,
                       match=r"no sheet named 'Data'\. Sheets in the workbook: Ekspor, Catatan"):
        ingest_files(warehouse, [DATA / "counter.xlsx"], mapping, settings)


def test_an_impossible_date_with_an_offset_is_quarantined_not_rolled_over(warehouse, settings,
                                                                           tmp_path):
    # machine exports (ISO with offset) take a fast path; 30 February must still fail there
    log = tmp_path / "iso.csv"
    log.write_text("NO_PERMOHONAN,AKTIVITAS,WAKTU,PETUGAS\n"
                   "K1,ajukan,2025-02-28T09:00:00+0700,A\n"
                   "K1,periksa,2025-02-30T09:00:00+0700,A\n"
                   "K1,entri,2025-02-30 10:00:00+07:00,A\n"
                   "K1,validasi,2025-03-01 10:00:00+07:00,A\n")
    [r] = ingest_files(warehouse, [log], COUNTER, settings)
    assert (r.rows_loaded, r.rows_quarantined) == (2, 2)
    assert dict(warehouse.rows("SELECT source_row, reason_code FROM quarantine")) == {
        3: "bad_timestamp", 4: "bad_timestamp"}
    assert [str(t) for (t,) in warehouse.rows(
        "SELECT timestamp FROM events ORDER BY timestamp")] == [
        "2025-02-28 02:00:00+00:00", "2025-03-01 03:00:00+00:00"]


def test_quality_counts_cases_that_stall_longer_than_the_gap_days(warehouse, settings, tmp_path):
    # KK-1 waits 40 days between two steps; KK-2 spans 45 days in steps of 15 (no stall);
    # KK-3 is done in a day. Only KK-1 stalls more than the default 30 days.
    log = tmp_path / "stalls.csv"
    log.write_text("NO_PERMOHONAN;AKTIVITAS;WAKTU;PETUGAS\n"
                   "KK-1;ajukan;01/03/2025 08:00;P1\nKK-1;periksa;10/04/2025 08:00;P1\n"
                   "KK-2;ajukan;01/03/2025 08:00;P1\nKK-2;periksa;16/03/2025 08:00;P1\n"
                   "KK-2;validasi;31/03/2025 08:00;P1\nKK-2;cetak;15/04/2025 08:00;P1\n"
                   "KK-3;ajukan;03/03/2025 08:00;P1\nKK-3;cetak;03/03/2025 15:00;P1\n")
    [r] = ingest_files(warehouse, [log], COUNTER, settings)
    assert (r.quality["cases_with_gaps"], r.quality["longest_gap_days"]) == (1, 40.0)


def test_same_step_at_the_same_time_by_two_officers_is_not_an_identical_event(warehouse,
                                                                            settings, tmp_path):
    log = tmp_path / "two-officers.csv"
    log.write_text("NO_PERMOHONAN;AKTIVITAS;WAKTU;PETUGAS\n"
                   "KK-1;periksa;05/03/2025 08:30;P01\nKK-1;periksa;05/03/2025 08:30;P02\n"
                   "KK-2;periksa;05/03/2025 08:30;P01\nKK-2;periksa;05/03/2025 08:30;P01\n")
    [r] = ingest_files(warehouse, [log], COUNTER, settings)
    assert r.quality["identical_events"] == 1  # KK-2's pair only


def _export_with_one_written_date_at_the_end(path, rows: int) -> None:
    """A counter export of ``rows`` machine timestamps, then one typed by hand."""
    lines = ["NO_PERMOHONAN;AKTIVITAS;WAKTU;PETUGAS"]
    lines += [f"KK-{i:05d};ajukan;2025-03-05T08:{i % 60:02d}:00+07:00;P01" for i in range(rows)]
    lines.append("KK-99999;ajukan;Kamis, 6 Maret 2025 pukul 13.30 WIB;P01")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_hand_typed_date_after_thousands_of_machine_ones_still_parses(
        warehouse, settings, tmp_path):
    # small files try the quick parser (no month names) first: it must look at every row, not
    # only the first ones, or the last row here would be quarantined as a bad timestamp
    export = tmp_path / "loket.csv"
    _export_with_one_written_date_at_the_end(export, 5_000)
    [r] = ingest_files(warehouse, [export], COUNTER, settings)
    assert (r.rows_loaded, r.rows_quarantined) == (5_001, 0)
    assert warehouse.scalar("""SELECT strftime(timezone('Asia/Jakarta', timestamp), '%Y-%m-%d %H:%M')
                               FROM events WHERE case_id = 'KK-99999'""") == "2025-03-06 13:30"


def test_large_files_read_hand_typed_dates_with_the_full_parser(warehouse, settings, tmp_path,
                                                        monkeypatch):
    # above QUICK_PARSE_ROWS no row is tried with the quick parser first: the same file then
    # loads the same instants through the full one
    from pipeline.ingest import load

    monkeypatch.setattr(load, "QUICK_PARSE_ROWS", 10)
    export = tmp_path / "loket.csv"
    _export_with_one_written_date_at_the_end(export, 100)
    [r] = ingest_files(warehouse, [export], COUNTER, settings)
    assert (r.rows_loaded, r.rows_quarantined) == (101, 0)
    first, last = warehouse.rows("""
        SELECT strftime(timezone('Asia/Jakarta', timestamp), '%Y-%m-%d %H:%M') FROM events
        WHERE case_id IN ('KK-00007', 'KK-99999') ORDER BY case_id""")
    assert (first[0], last[0]) == ("2025-03-05 08:07", "2025-03-06 13:30")
