"""Write a :class:`~mmlight.mmcv1.config_translation.Translation` as a readable Python config:
``dict(...)`` calls, one field per line when a line would be long, a ``# NOTE:`` comment above
every field that needs the user's attention, and the config's own pipeline/``*_cfg``
variables used by name where the translated fields repeat them."""

from __future__ import annotations

import keyword
import textwrap
from collections.abc import Mapping
from typing import Any

from mmlight.mmcv1.config_translation import Translation

__all__ = ["render_config"]

WIDTH = 99
_INDENT = "    "


def _is_name(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


class _Writer:
    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = variables  # name -> value, for values written by name

    def _named(self, value: Any, own: str | None) -> str | None:
        if isinstance(value, (list, tuple, dict)) and value:
            for name, known in self.variables.items():
                if name != own and known == value and type(known) is type(value):
                    return name
        return None

    def items(self, value: Any, level: int, own: str | None) -> tuple[list[str], str, str]:
        if isinstance(value, Mapping):
            if all(_is_name(k) for k in value):
                parts = [f"{k}={self.write(v, level + 1, own)}" for k, v in value.items()]
                return parts, "dict(", ")"
            parts = [f"{k!r}: {self.write(v, level + 1, own)}" for k, v in value.items()]
            return parts, "{", "}"
        parts = [self.write(v, level + 1, own) for v in value]
        if isinstance(value, tuple):
            return parts, "(", ",)" if len(parts) == 1 else ")"
        return parts, "[", "]"

    def write(self, value: Any, level: int = 0, own: str | None = None) -> str:
        """``value`` as Python source, starting at indentation ``level``."""
        name = self._named(value, own) if level > 0 else None
        if name is not None:
            return name
        if not isinstance(value, (Mapping, list, tuple)):
            return repr(value)
        parts, opening, closing = self.items(value, level, own)
        one_line = opening + ", ".join(parts) + closing
        if "\n" not in one_line and len(_INDENT * level) + len(one_line) <= WIDTH:
            return one_line
        inner = _INDENT * (level + 1)
        body = "".join(f"{inner}{part},\n" for part in parts)
        return f"{opening}\n{body}{_INDENT * level}{closing.lstrip(',')}"


def _variables(translation: Translation) -> dict[str, Any]:
    """The copied-through pipelines and ``*_cfg`` dicts, referred to by name elsewhere."""
    return {
        key: translation.config[key]
        for key in translation.passthrough
        if key.endswith("pipeline") or key.endswith("_cfg")
    }


def render_config(translation: Translation, source: str) -> str:
    """The Python text of ``translation``; ``source`` names the MMCV 1.x file in the header."""
    writer = _Writer(_variables(translation))
    count = translation.note_count
    lines = [
        f"# Translated from {source} (an MMCV 1.x config) by `mmlight migrate-config`.",
        "# Runner fields follow OpenMMLab's MMCV -> MMEngine guide; "
        + (f"{count} NOTE(s) below need your attention." if count else "nothing needs attention."),
        "",
    ]
    for key, value in translation.config.items():
        for text in translation.notes.get(key, []):
            lines += textwrap.wrap(
                text,
                WIDTH,
                initial_indent="# NOTE: ",
                subsequent_indent="#       ",
                break_on_hyphens=False,
            )
        lines.append(f"{key} = {writer.write(value, 0, own=key)}")
    for key in sorted(set(translation.notes) - set(translation.config)):
        for text in translation.notes[key]:
            lines += textwrap.wrap(
                f"{key}: {text}",
                WIDTH,
                initial_indent="# NOTE: ",
                subsequent_indent="#       ",
                break_on_hyphens=False,
            )
    return "\n".join(lines) + "\n"
