"""YAML to plain Python values plus the line of every key path, for config error messages."""

from __future__ import annotations

from typing import Any

import yaml

KeyPath = tuple[Any, ...]


# A config is a few dozen values. Aliases may repeat a node, so the values a document expands
# to are counted: a "billion laughs" of nested aliases stops here instead of filling memory.
MAX_VALUES = 100_000
MAX_DEPTH = 64


class TooLargeError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class DuplicateKeyError(ValueError):
    def __init__(self, path: KeyPath, line: int) -> None:
        super().__init__(f"duplicate key {path[-1]!r}")
        self.path = path
        self.line = line


def load_with_lines(text: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse one YAML document safely; return the data and ``{key path: 1-based line}``.

    Raises ``yaml.YAMLError`` on syntax errors and :class:`DuplicateKeyError` on a key written
    twice in one mapping (PyYAML would silently keep the last one).
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[KeyPath, int] = {}
    if node is None:
        return None, lines
    constructor = yaml.constructor.SafeConstructor()
    return _walk(node, (), lines, constructor, [0]), lines


def _walk(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    constructor: yaml.constructor.SafeConstructor,
    count: list[int],
) -> Any:
    """Plain values from ``node``, each key's line noted; TooLargeError past MAX_VALUES
    values or MAX_DEPTH levels (an alias of its own anchor is infinitely deep)."""
    line = node.start_mark.line + 1
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise TooLargeError(f"more than {MAX_VALUES:,} values (aliases repeated?)", line)
    if len(path) > MAX_DEPTH:
        raise TooLargeError(f"nested more than {MAX_DEPTH} levels (an alias of itself?)", line)
    lines.setdefault(path, line)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise TooLargeError("a key must be a plain value", key_node.start_mark.line + 1)
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = str(key)
            line = key_node.start_mark.line + 1
            key_path = (*path, key)
            if key in out:
                raise DuplicateKeyError(key_path, line)
            lines[key_path] = line
            out[key] = _walk(value_node, key_path, lines, constructor, count)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _walk(item, (*path, i), lines, constructor, count) for i, item in enumerate(node.value)
        ]
    return constructor.construct_object(node, deep=True)
