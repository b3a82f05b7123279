"""YAML that remembers line numbers: mappings and lists know where they and their items are."""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping with ``line`` (its own first line) and ``lines`` (key -> line of the key)."""

    line: int = 0
    lines: dict[str, int]


class LineList(list[Any]):
    """A list with ``line`` and ``lines`` (index -> line of the item)."""

    line: int = 0
    lines: list[int]


class DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


class MarkedLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings and lists carry the line numbers of their parts."""


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
