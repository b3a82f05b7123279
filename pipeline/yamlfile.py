"""YAML that remembers line numbers, so errors can name ``file, line N``: mappings load as
:class:`LineDict` and lists as :class:`LineList`. Used by SOP models and mapping files alike.
A key written twice in one mapping raises :class:`DuplicateKey`."""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping with ``line`` (its own first line) and ``lines`` (key -> line of the key)."""

    line: int = 0
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key``, or of the mapping itself when the key is absent."""
        return self.lines.get(key, self.line)


class LineList(list[Any]):
    """A list with ``line`` and ``lines`` (index -> line of the item)."""

    line: int = 0
    lines: list[int]


class DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


# libyaml's parser when PyYAML was built with it (about 5x faster on an SOP library), else
# PyYAML's own; both are safe loaders and give the same nodes and line marks
_Safe = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MarkedLoader(_Safe):  # type: ignore[valid-type,misc]
    """A safe loader whose mappings and lists carry the line numbers of their parts."""


def _mapping(loader: MarkedLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1
        if key in result.lines:
            raise DuplicateKey(key, line, result.lines[key])
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _sequence(loader: MarkedLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [item.start_mark.line + 1 for item in node.value]
    return result


MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_marked(text: str) -> Any:
    """Parse YAML text; raises ``yaml.YAMLError`` or :class:`DuplicateKey`."""
    return yaml.load(text, Loader=MarkedLoader)  # a SafeLoader subclass


def yaml_error_line(exc: yaml.YAMLError) -> int | None:
    """The 1-based line of a YAML syntax error, where PyYAML knows it."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None
