"""The warehouse: one DuckDB file, and the ONLY module of sopmine that imports duckdb.

Tables (schema version :data:`SCHEMA_VERSION`, migrated forward by :func:`Warehouse.migrate`):

- ``meta(key, value)``: the schema version and other facts about the file.
- ``loads``: one row per ingested file (lineage): name, path, content hash, format, mapping
  name, hash and text, rows read / loaded / quarantined / duplicate, load time, quality JSON.
- ``events``: canonical events. Instants are ``TIMESTAMPTZ`` (stored as UTC instants). The
  stable order of a case is ``timestamp, load_id, source_row``: equal timestamps keep the order
  of the file. ``event_key`` (a 128-bit hash of the row's content and its occurrence number in
  the file) makes loading the same rows twice add nothing.
- ``quarantine``: input rows that did not become events, with source file, row and reason.

Every connection runs with ``TimeZone = 'UTC'`` so that no instant depends on the machine.
A load runs inside one transaction (:meth:`Warehouse.transaction`): a load that fails or is
killed leaves the file as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import WarehouseError

SCHEMA_VERSION = 3

# Each migration takes the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
    CREATE SEQUENCE IF NOT EXISTS load_id_seq START 1;
    CREATE TABLE loads (
        load_id INTEGER PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        file_path VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL,
        file_format VARCHAR NOT NULL,
        mapping_name VARCHAR,
        mapping_hash VARCHAR,
        mapping_text VARCHAR,
        rows_read BIGINT NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        rows_duplicate BIGINT NOT NULL,
        loaded_at TIMESTAMPTZ NOT NULL,
        quality JSON
    );
    CREATE TABLE events (
        event_key UHUGEINT NOT NULL,
        load_id INTEGER NOT NULL,
        source_row BIGINT NOT NULL,
        case_id VARCHAR NOT NULL,
        activity VARCHAR NOT NULL,
        activity_raw VARCHAR NOT NULL,
        timestamp TIMESTAMPTZ NOT NULL,
        start_timestamp TIMESTAMPTZ,
        resource VARCHAR,
        role VARCHAR,
        layanan VARCHAR,
        unit VARCHAR,
        attributes JSON
    );
    CREATE TABLE quarantine (
        load_id INTEGER NOT NULL,
        source_file VARCHAR NOT NULL,
        source_row BIGINT NOT NULL,
        reason_code VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        raw JSON
    );
    """,
    # 2: conformance (pipeline.conform). ``alignment_cache``: one optimal alignment per model
    # (hash of its net and of the aligner), variant (hash of its activities) and mode (prefix
    # for open cases). ``check_runs``: one row per check; ``case_results`` and ``deviations``
    # hold each run's findings, keyed by ``run_id``.
    """
    CREATE TABLE alignment_cache (
        model_hash VARCHAR NOT NULL,
        variant_hash VARCHAR NOT NULL,
        prefix BOOLEAN NOT NULL,
        activities VARCHAR[] NOT NULL,
        deviations INTEGER NOT NULL,
        fitness DOUBLE NOT NULL,
        moves JSON NOT NULL,
        aligned_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (model_hash, variant_hash, prefix)
    );
    CREATE SEQUENCE IF NOT EXISTS run_id_seq START 1;
    CREATE TABLE check_runs (
        run_id INTEGER PRIMARY KEY,
        checked_at TIMESTAMPTZ NOT NULL,
        as_of TIMESTAMPTZ,
        language VARCHAR NOT NULL,
        parameters JSON,
        models JSON,
        cases BIGINT NOT NULL,
        deviations BIGINT NOT NULL,
        variants BIGINT NOT NULL,
        variants_aligned BIGINT NOT NULL
    );
    CREATE TABLE case_results (
        run_id INTEGER NOT NULL,
        case_id VARCHAR NOT NULL,
        layanan VARCHAR,
        unit VARCHAR,
        sop VARCHAR,
        nomor_sop VARCHAR,
        tanggal_efektif DATE,
        model_hash VARCHAR,
        variant_hash VARCHAR,
        status VARCHAR,
        mulai TIMESTAMPTZ,
        selesai TIMESTAMPTZ,
        fitness DOUBLE,
        jumlah_penyimpangan INTEGER NOT NULL,
        waktu_penyelesaian_hari_kerja INTEGER,
        batas_hari_kerja INTEGER,
        janji_layanan VARCHAR,
        tepat_waktu BOOLEAN,
        jumlah_kejadian INTEGER NOT NULL,
        zona VARCHAR NOT NULL,
        catatan VARCHAR
    );
    CREATE TABLE deviations (
        run_id INTEGER NOT NULL,
        case_id VARCHAR NOT NULL,
        urutan INTEGER NOT NULL,
        jenis VARCHAR NOT NULL,
        langkah VARCHAR,
        aktivitas VARCHAR,
        waktu TIMESTAMPTZ,
        keterangan VARCHAR NOT NULL
    );
    """,
    # 3: results held by reference. A case a later check reuses unchanged is not copied: its
    # row says for which runs it holds (``first_run`` to ``last_run``), and the views
    # ``case_results`` and ``deviations`` show every run's rows, keyed by ``run_id``, as before.
    """
    ALTER TABLE case_results RENAME TO case_result_rows;
    ALTER TABLE case_result_rows RENAME COLUMN run_id TO first_run;
    ALTER TABLE case_result_rows ADD COLUMN last_run INTEGER;
    UPDATE case_result_rows SET last_run = first_run;
    ALTER TABLE deviations RENAME TO deviation_rows;
    ALTER TABLE deviation_rows RENAME COLUMN run_id TO first_run;
    ALTER TABLE deviation_rows ADD COLUMN last_run INTEGER;
    UPDATE deviation_rows SET last_run = first_run;
    CREATE VIEW case_results AS
        SELECT r.run_id, c.* EXCLUDE (first_run, last_run)
        FROM check_runs r JOIN case_result_rows c
          ON r.run_id >= c.first_run AND r.run_id <= c.last_run;
    CREATE VIEW deviations AS
        SELECT r.run_id, d.* EXCLUDE (first_run, last_run)
        FROM check_runs r JOIN deviation_rows d
          ON r.run_id >= d.first_run AND r.run_id <= d.last_run;
    """,
)


def quote_ident(name: str) -> str:
    """A column or table name quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A string quoted as an SQL literal."""
    return "'" + value.replace("'", "''") + "'"


class Warehouse:
    """A connection to the warehouse file (or ``:memory:``) with the schema in place.

    Open with :func:`open_warehouse`; use as a context manager to close it.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False,
                 memory_limit: str = "", threads: int = 0) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {}
        if memory_limit:
            config["memory_limit"] = memory_limit
        if threads:
            config["threads"] = threads
        try:
            self.con = duckdb.connect(self.path, read_only=read_only, config=config)
        except duckdb.IOException as exc:
            raise WarehouseError(
                f"{self.path}: cannot open the warehouse ({str(exc).splitlines()[0]}). "
                "Close the other sopmine process using it, or pass another file with --db."
            ) from None
        self.execute("SET TimeZone = 'UTC'")
        with contextlib.suppress(duckdb.Error):  # in Jupyter DuckDB refuses without ipywidgets
            self.execute("SET enable_progress_bar = false")
        if not read_only:
            self.migrate()
        else:
            self._check_version()

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        if not self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ):
            return 0
        value = self.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(value) if value else 0

    def _check_version(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise WarehouseError(
                f"{self.path}: schema version {version} is newer than this sopmine understands "
                f"({SCHEMA_VERSION}). Upgrade sopmine, or use another --db."
            )

    def migrate(self) -> None:
        """Bring the schema up to :data:`SCHEMA_VERSION`, one migration at a time."""
        self._check_version()
        version = self.schema_version()
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                self.execute(MIGRATIONS[target - 1])
                self.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(target)]
                )

    # -- transactions ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: commit on success, roll back on any exception."""
        self.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        else:
            self.execute("COMMIT")

    # -- queries --------------------------------------------------------------------------
    def _query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        """Run a statement to its end (DDL, INSERT, UPDATE)."""
        self._query(sql, params).fetchall()

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return list(self._query(sql, params).fetchall())

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self._query(sql, params).fetchall()
        return rows[0][0] if rows else None

    def df(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """The result as a pandas DataFrame (instants as tz-aware UTC)."""
        return self._query(sql, params).df()

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The result as a pyarrow Table."""
        return self.con.sql(sql, params=params).to_arrow_table()

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.rows(f"DESCRIBE {quote_ident(table)}")]

    def has_table(self, table: str) -> bool:
        return bool(self.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
        ))

    def copy_csv(self, sql: str, path: str | Path) -> None:
        """Write the rows of ``sql`` as CSV (UTF-8, header, ``,``, ``\\n``; NULL an empty
        cell, quotes only where needed) to ``path``, replacing it whole (no half-written
        file on failure)."""
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        self.execute(f"COPY ({sql}) TO {quote_literal(str(partial))} "
                     "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"')")
        partial.replace(target)

    @contextlib.contextmanager
    def registered(self, name: str, data: Any) -> Iterator[None]:
        """``data`` (a pandas DataFrame or pyarrow Table) queryable as ``name`` in the block."""
        self.con.register(name, data)
        try:
            yield
        finally:
            self.con.unregister(name)

    def register(self, name: str, data: Any) -> None:
        """Make a pandas DataFrame or pyarrow Table queryable as ``name``."""
        self.con.register(name, data)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def append_batch(self, table: str, batch: Any) -> None:
        """Append a pyarrow Table to a TEMP table of text columns, by column name.

        The table is created from the first batch; a later batch with new columns adds them.
        """
        name = "_incoming_batch"
        self.con.register(name, batch)
        try:
            if not self.has_table(table):
                self.execute(f"CREATE TEMP TABLE {quote_ident(table)} AS SELECT * FROM {name}")
                return
            have = set(self.columns(table))
            for column in batch.column_names:
                if column not in have:
                    self.execute(
                        f"ALTER TABLE {quote_ident(table)} ADD COLUMN {quote_ident(column)} VARCHAR"
                    )
            self.execute(f"INSERT INTO {quote_ident(table)} BY NAME SELECT * FROM {name}")
        finally:
            self.con.unregister(name)

    def drop(self, *tables: str) -> None:
        for table in tables:
            self.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")

    def close(self) -> None:
        from pipeline.stopwatch import stage

        with stage("close the warehouse"):
            self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_warehouse(path: str | Path, *, read_only: bool = False,
                   memory_limit: str = "", threads: int = 0) -> Warehouse:
    """Open (creating if needed) the warehouse at ``path``; ``:memory:`` for a throwaway one."""
    if read_only and str(path) != ":memory:" and not Path(path).exists():
        raise WarehouseError(
            f"{path}: no warehouse here yet. Load a log first: sopmine ingest FILE --mapping M.yaml"
        )
    return Warehouse(path, read_only=read_only, memory_limit=memory_limit, threads=threads)


def open_from_settings(settings: Any, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse named by ``settings.db`` with its DuckDB memory and thread limits."""
    return open_warehouse(settings.db, read_only=read_only,
                          memory_limit=settings.duckdb_memory_limit,
                          threads=settings.duckdb_threads)
