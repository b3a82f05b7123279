"""sopmine: process mining against declared SOPs for Indonesian public services.

The public API is the list in ``__all__``; the CLI and the notebooks use nothing else. Names
are imported on first use (PEP 562), so ``import pipeline`` and ``sopmine --help`` stay
instant; pm4py loads only inside the functions that need it.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module that defines it ("module:attribute" where the public name differs)
_EXPORTS: dict[str, str] = {
    "CheckResult": "pipeline.conform",
    "ConfigError": "pipeline.errors",
    "ReportInputs": "pipeline.report.data",
    "RunResult": "pipeline.run",
    "check": "pipeline.conform",
    "collect_report": "pipeline.report.data:collect",
    "render_reports": "pipeline.report",
    "report_period": "pipeline.report.data",
    "run_pipeline": "pipeline.run:run",
    "write_reports": "pipeline.report",
    "write_results": "pipeline.conform",
    "SynthResult": "pipeline.synth",
    "synth_log": "pipeline.synth:generate",
    "write_synth_exports": "pipeline.synth:write_exports",
    "Filter": "pipeline.discover",
    "bottlenecks": "pipeline.discover",
    "case_events": "pipeline.discover",
    "sop_svg": "pipeline.sop.draw",
    "dfg": "pipeline.discover",
    "discover_model": "pipeline.discover",
    "performance_dfg": "pipeline.discover",
    "sop_flow": "pipeline.compare",
    "start_end": "pipeline.discover",
    "variants": "pipeline.discover",
    "write_discovery": "pipeline.report.maps",
    "DeclaredModel": "pipeline.sop",
    "Sop": "pipeline.sop",
    "SopLibrary": "pipeline.sop",
    "check_soundness": "pipeline.sop",
    "load_model": "pipeline.sop",
    "load_sop": "pipeline.sop",
    "sop_to_net": "pipeline.sop",
    "sop_warnings": "pipeline.sop",
    "Duration": "pipeline.durations",
    "InputError": "pipeline.errors",
    "LoadResult": "pipeline.ingest",
    "LogFormatError": "pipeline.errors",
    "Mapping": "pipeline.ingest",
    "MappingError": "pipeline.errors",
    "PipelineError": "pipeline.errors",
    "Settings": "pipeline.settings",
    "SopError": "pipeline.errors",
    "Warehouse": "pipeline.warehouse",
    "WarehouseError": "pipeline.errors",
    "WorkingCalendar": "pipeline.calendar",
    "calendar_from_settings": "pipeline.calendar",
    "calendars_for_units": "pipeline.calendar",
    "deadline": "pipeline.calendar",
    "ingest_files": "pipeline.ingest",
    "load_mapping": "pipeline.ingest",
    "load_settings": "pipeline.settings",
    "open_warehouse": "pipeline.warehouse",
    "parse_duration": "pipeline.durations",
    "quality_summary": "pipeline.ingest.quality",
    "service_status": "pipeline.timing",
    "step_durations": "pipeline.timing",
    "turnaround": "pipeline.timing",
    "working_days_elapsed": "pipeline.calendar",
    "working_seconds": "pipeline.calendar",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, _, attr = _EXPORTS[name].partition(":")
        value = getattr(importlib.import_module(module), attr or name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
