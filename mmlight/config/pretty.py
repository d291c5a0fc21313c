"""Writing a config dict as Python source (``Config.pretty_text``).

mmengine renders a draft and runs yapf over it; mmlight has a small formatter of its own:
one ``key = value`` line per top-level key (sorted, as mmengine does), values written as
``dict(...)``/``[...]``/``(...)`` that stay on one line when they fit in 79 columns and
otherwise open one item per line with 4-space indents and trailing commas. Dicts whose keys
are not all identifiers are written as ``{...}`` literals. The text reloads to an equal
config whenever every value has a Python literal form.
"""

from __future__ import annotations

import ast
import keyword
import math
from typing import Any

__all__ = ["format_config"]

WIDTH = 79
INDENT = 4


def _is_name(key: object) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


class _Formatter:
    def __init__(self) -> None:
        #: (key path, value) pairs that have no Python literal form
        self.problems: list[tuple[str, Any]] = []

    # -- one-line forms ---------------------------------------------------------------
    def flat(self, value: Any, path: str) -> str:
        if isinstance(value, dict):
            items = sorted(dict.items(value), key=lambda kv: str(kv[0]))
            if all(_is_name(k) for k, _ in items):
                inner = ", ".join(f"{k}={self.flat(v, f'{path}.{k}')}" for k, v in items)
                return f"dict({inner})"
            inner = ", ".join(f"{k!r}: {self.flat(v, f'{path}.{k}')}" for k, v in items)
            return "{" + inner + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flat(v, f"{path}.{i}") for i, v in enumerate(value)) + "]"
        if isinstance(value, tuple):
            parts = [self.flat(v, f"{path}.{i}") for i, v in enumerate(value)]
            if len(parts) == 1:
                return f"({parts[0]},)"
            return "(" + ", ".join(parts) + ")"
        return self.scalar(value, path)

    def scalar(self, value: Any, path: str) -> str:
        if isinstance(value, float) and not math.isfinite(value):
            return f"float({str(value)!r})"
        text = repr(value)
        if not isinstance(value, (str, int, float, bool, type(None))):
            try:
                ast.parse(text, mode="eval")
            except SyntaxError:
                self.problems.append((path, value))
        return text

    # -- multi-line forms -------------------------------------------------------------
    def value(self, value: Any, indent: int, column: int, path: str) -> str:
        """``value`` starting at ``column`` on a line indented by ``indent``."""
        problems = len(self.problems)
        flat = self.flat(value, path)
        if column + len(flat) + 1 <= WIDTH or not isinstance(value, (dict, list, tuple)):
            return flat
        if not value:
            return flat
        del self.problems[problems:]  # the expanded form reports them again
        pad = " " * (indent + INDENT)
        lines: list[str] = []
        if isinstance(value, dict):
            items = sorted(dict.items(value), key=lambda kv: str(kv[0]))
            named = all(_is_name(k) for k, _ in items)
            for key, item in items:
                head = f"{key}=" if named else f"{key!r}: "
                body = self.value(item, indent + INDENT, len(pad) + len(head), f"{path}.{key}")
                lines.append(f"{pad}{head}{body},")
            opening, closing = ("dict(", ")") if named else ("{", "}")
        else:
            for i, item in enumerate(value):
                body = self.value(item, indent + INDENT, len(pad), f"{path}.{i}")
                lines.append(f"{pad}{body},")
            opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        return opening + "\n" + "\n".join(lines) + "\n" + " " * indent + closing


def format_config(cfg: dict) -> tuple[str, list[tuple[str, Any]]]:
    """Python source for ``cfg`` and the (key path, value) pairs that cannot be written."""
    formatter = _Formatter()
    lines = []
    for key, value in sorted(dict.items(cfg), key=lambda kv: str(kv[0])):
        target = str(key) if _is_name(key) else f"globals()[{key!r}]"
        body = formatter.value(value, 0, len(target) + 3, str(key))
        lines.append(f"{target} = {body}")
    text = "\n".join(lines) + "\n" if lines else ""
    return text, formatter.problems
