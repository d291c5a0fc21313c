"""Parsing and writing the data formats a config can be stored in (JSON, YAML, pickle).

Output matches what mmengine's ``mmengine.dump`` writes for a config (``json.dumps`` with
sets/ranges/numpy values made plain; ``yaml.dump`` with its default, key-sorting dumper).
YAML is read with a safe loader that also understands ``!!python/tuple`` (which the dumper
writes for tuples) but, unlike mmengine's, never constructs arbitrary Python objects.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import yaml

from .errors import ConfigJSONError, ConfigTypeError, ConfigYAMLError
from .substitution import line_of

__all__ = ["DUMP_FORMATS", "dumps", "parse_json", "parse_yaml"]

#: extensions ``Config.dump`` can write besides ``py``
DUMP_FORMATS = ("json", "yaml", "yml", "pkl", "pickle")


class _ConfigYAMLLoader(yaml.SafeLoader):
    """Safe YAML loading plus tuples."""


def _construct_tuple(loader: yaml.SafeLoader, node: yaml.Node) -> tuple:
    return tuple(loader.construct_sequence(node))  # type: ignore[arg-type]


_ConfigYAMLLoader.add_constructor("tag:yaml.org,2002:python/tuple", _construct_tuple)

try:
    _Dumper: Any = yaml.CDumper
except AttributeError:  # PyYAML built without libyaml
    _Dumper = yaml.Dumper


def parse_yaml(text: str, filename: str) -> Any:
    try:
        return yaml.load(text, Loader=_ConfigYAMLLoader)
    except yaml.YAMLError as e:
        raise ConfigYAMLError(
            f"Invalid YAML in config file {filename}{_yaml_where(e, text)}"
        ) from e


def _yaml_where(error: yaml.YAMLError, text: str) -> str:
    """ ", line N: <line>" plus PyYAML's own explanation, with 1-based line numbers."""
    lines = text.splitlines()
    mark = getattr(error, "problem_mark", None)
    context_mark = getattr(error, "context_mark", None)
    if mark is None:
        return f": {error}"
    index = mark.line
    if (index >= len(lines) or not lines[index].strip()) and context_mark is not None:
        index = context_mark.line  # the problem is at the end of input; show where it began
    line = lines[index].strip() if index < len(lines) else ""
    detail = []
    context = getattr(error, "context", None)
    if context and context_mark is not None:
        detail.append(f"{context} (line {context_mark.line + 1})")
    detail.append(f"{getattr(error, 'problem', None) or error} (line {mark.line + 1})")
    return f", line {index + 1}: {line}\n  " + "\n  ".join(detail)


def parse_json(text: str, filename: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        lineno, line = line_of(text, e.pos)
        raise ConfigJSONError(
            f"Invalid JSON in config file {filename}, line {lineno} column {e.colno}: {line}\n"
            f"  {e.msg}",
            e.doc,
            e.pos,
        ) from e


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (set, frozenset, range)):
        return list(obj)
    module = type(obj).__module__
    if (module == "numpy" or module.startswith("numpy.")) and hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"{type(obj)} is unsupported for json dump")


def dumps(data: Any, file_format: str) -> str | bytes:
    """Serialise ``data`` in ``file_format`` (``json``, ``yaml``/``yml``, ``pkl``/``pickle``)."""
    if file_format == "json":
        return json.dumps(data, default=_json_default)
    if file_format in ("yaml", "yml"):
        return str(yaml.dump(data, Dumper=_Dumper))
    if file_format in ("pkl", "pickle"):
        return pickle.dumps(data, protocol=2)
    raise ConfigTypeError(
        f"Unsupported format: {file_format}. Cannot dump a config as {file_format!r}; valid "
        "extensions: .py, " + ", ".join(f".{f}" for f in DUMP_FORMATS)
    )
