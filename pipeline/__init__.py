"""sopmine: process mining against declared SOPs for Indonesian public services.

The public API is the list in ``__all__``; the CLI and the notebooks use nothing else.
"""

from __future__ import annotations

from pipeline.durations import Duration, parse_duration
from pipeline.errors import (
    ConfigError,
    InputError,
    LogFormatError,
    MappingError,
    PipelineError,
    SopError,
    WarehouseError,
)
from pipeline.settings import Settings, load_settings

__all__ = [
    "ConfigError",
    "Duration",
    "InputError",
    "LogFormatError",
    "MappingError",
    "PipelineError",
    "Settings",
    "SopError",
    "WarehouseError",
    "load_settings",
    "parse_duration",
]
