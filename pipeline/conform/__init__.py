"""Conformance: every case aligned to the SOP version in force, deviations an auditor can act on.

- :func:`check` runs the whole check over the warehouse and stores one run of results;
- :func:`write_results` writes a run as ``cases.csv`` and ``deviations.csv``;
- :class:`ModelView` is what the checker knows about one model; :data:`CODES` the deviation
  codes. See ``docs/conformance.md``.
"""

from pipeline.conform.check import CheckResult, check, parse_as_of
from pipeline.conform.export import CASE_COLUMNS, DEVIATION_COLUMNS, latest_run, write_results
from pipeline.conform.model import ModelView
from pipeline.conform.rules import CODE_NAMES, CODES, Code

__all__ = [
    "CASE_COLUMNS",
    "CODES",
    "CODE_NAMES",
    "DEVIATION_COLUMNS",
    "CheckResult",
    "Code",
    "ModelView",
    "check",
    "latest_run",
    "parse_as_of",
    "write_results",
]
