"""Text substitutions done on a ``_base_``-style config before it is parsed.

Three kinds, applied in mmengine's order:

1. predefined variables ``{{ fileDirname }}``, ``{{ fileBasename }}``,
   ``{{ fileBasenameNoExtension }}``, ``{{ fileExtname }}``;
2. environment variables ``{{$NAME:default}}`` (or quoted ``{{'$NAME:default'}}``, which
   lets a number stand unquoted in the parsed file);
3. base references ``{{_base_.a.b}}``: replaced by a unique quoted placeholder before
   parsing, so they can stand wherever a value can in py/json/yaml, and swapped for the
   real base value after parsing.
"""

from __future__ import annotations

import copy
import logging
import os
import posixpath
import re
import uuid
from collections.abc import Mapping
from typing import Any

from .errors import ConfigKeyError, ConfigValueError, did_you_mean
from .source import dirname

__all__ = [
    "BASE_KEY",
    "BaseReferences",
    "line_of",
    "substitute_env_variables",
    "substitute_predefined_variables",
]

BASE_KEY = "_base_"
logger = logging.getLogger(__name__)

_ENV = re.compile(r"\{\{['\"]?\s*\$(\w+)\s*\:\s*(\S*?)\s*['\"]?\}\}")
_BASE_REF = re.compile(r"\{\{\s*" + BASE_KEY + r"\.([\w\.]+)\s*\}\}")


def line_of(text: str, pos: int) -> tuple[int, str]:
    """1-based line number of character ``pos`` in ``text`` and that line's text."""
    lineno = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return lineno, text[start : end if end != -1 else len(text)].strip()


def substitute_predefined_variables(text: str, filename: str) -> str:
    """Replace ``{{ fileDirname }}`` and friends; ``filename`` is the absolute path."""
    basename = filename.replace("\\", "/").rsplit("/", 1)[-1]
    no_ext, ext = posixpath.splitext(basename)
    values = {
        "fileDirname": dirname(filename),
        "fileBasename": basename,
        "fileBasenameNoExtension": no_ext,
        "fileExtname": ext,
    }
    for key, value in values.items():
        replacement = value.replace("\\", "/")
        text = re.sub(r"\{\{\s*" + key + r"\s*\}\}", lambda _m: replacement, text)  # noqa: B023
    return text


def substitute_env_variables(text: str, filename: str) -> tuple[str, dict[str, str]]:
    """Replace ``{{$NAME:default}}``; return the text and the variables taken from the env."""
    used: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        if name in os.environ:
            value = os.environ[name]
            used[name] = value
            logger.info("Using env variable `%s` with value of %s in config.", name, value)
        if not value:
            lineno, line = line_of(text, match.start())
            state = "is empty in" if name in os.environ else "cannot be found in"
            raise ConfigKeyError(
                f"`{name}` {state} `os.environ`. Please set `{name}` in environment or give a "
                f"default value ({{{{${name}:default}}}}). It is used in {filename}, "
                f"line {lineno}: {line}"
            )
        return value

    return _ENV.sub(replace, text), used


class BaseReferences:
    """The ``{{_base_.x}}`` references of one file and their placeholders."""

    def __init__(self, text: str, filename: str):
        self.filename = filename
        self._raw = text
        self.by_placeholder: dict[str, str] = {}
        names = sorted(set(_BASE_REF.findall(text)))
        placeholders = {name: f"_{name}_{uuid.uuid4().hex[:6]}" for name in names}
        self.by_placeholder = {p: name for name, p in placeholders.items()}
        self.text = _BASE_REF.sub(lambda m: f'"{placeholders[m.group(1)]}"', text)

    def __bool__(self) -> bool:
        return bool(self.by_placeholder)

    def _where(self, name: str) -> str:
        match = re.search(r"\{\{\s*" + BASE_KEY + r"\." + re.escape(name) + r"\s*\}\}", self._raw)
        if match is None:
            return self.filename
        lineno, line = line_of(self._raw, match.start())
        return f"{self.filename}, line {lineno}: {line}"

    def lookup(self, name: str, base: Mapping[str, Any], base_files: list[str]) -> Any:
        """The base value ``{{_base_.<name>}}`` refers to, or a helpful error."""
        value: Any = base
        walked = [BASE_KEY]
        for part in name.split("."):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                if isinstance(value, Mapping):
                    hint = did_you_mean(part, value.keys())
                    problem = f"'{'.'.join(walked)}' has no key {part!r}.{hint}"
                else:
                    problem = (
                        f"'{'.'.join(walked)}' is a {type(value).__name__}, "
                        f"not a dict, so it has no key {part!r}."
                    )
                bases = ", ".join(base_files) if base_files else "none"
                raise ConfigKeyError(
                    f"Base reference `{{{{_base_.{name}}}}}` in {self._where(name)} cannot be "
                    f"resolved: {problem} (base configs: {bases})"
                )
            walked.append(part)
        return value

    def resolve(self, cfg: Any, base: Mapping[str, Any], base_files: list[str]) -> Any:
        """Swap placeholders in ``cfg`` for base values (copying like mmengine does)."""
        cfg = copy.deepcopy(cfg)
        if isinstance(cfg, dict):
            for key, value in list(cfg.items()):
                if isinstance(value, str) and value in self.by_placeholder:
                    cfg[key] = copy.deepcopy(
                        self.lookup(self.by_placeholder[value], base, base_files)
                    )
                elif isinstance(value, (list, tuple, dict)):
                    cfg[key] = self.resolve(value, base, base_files)
        elif isinstance(cfg, (list, tuple)):
            items = [self.resolve(item, base, base_files) for item in cfg]
            cfg = type(cfg)(*items) if hasattr(cfg, "_fields") else type(cfg)(items)
        elif isinstance(cfg, str) and cfg in self.by_placeholder:
            cfg = copy.deepcopy(self.lookup(self.by_placeholder[cfg], base, base_files))
        return cfg

    def check_no_leftovers(self, cfg: Any) -> None:
        """Refuse references that did not stand as a whole value (mmengine leaves junk)."""
        if not self.by_placeholder:
            return
        pattern = re.compile("|".join(re.escape(p) for p in self.by_placeholder))

        def visit(value: Any) -> None:
            if isinstance(value, str):
                match = pattern.search(value)
                if match:
                    name = self.by_placeholder[match.group(0)]
                    raise ConfigValueError(
                        f"Base reference `{{{{_base_.{name}}}}}` in {self._where(name)} must "
                        f"stand as a whole value (e.g. `x = {{{{_base_.{name}}}}}`), not inside "
                        f"a string or as a key. To build a string from a base value in a .py "
                        f"config, use the variable `_base_.{name}` instead."
                    )
            elif isinstance(value, dict):
                for key, item in dict.items(value):
                    visit(key)
                    visit(item)
            elif isinstance(value, (list, tuple, set, frozenset)):
                for item in value:
                    visit(item)

        visit(cfg)
