"""Line format, ANSI colours and duplicate-warning filter of MMLogger's handlers.

Lines read ``<time> - <logger name> - <LEVEL> - <message>``; errors also name the file,
function and line that logged them. On a terminal the level is underlined and coloured (and
errors and warnings blink), written as raw ANSI codes in the same order termcolor writes them,
so mmlight's terminal output is byte-identical to mmengine's without depending on termcolor.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from mmlight.logging.errors import FormatterArgumentError

__all__ = ["FilterDuplicateWarning", "MMFormatter", "colorize", "stdout_supports_color"]

_RESET = "\033[0m"
_COLOR_CODES = {"red": 31, "green": 32, "yellow": 33, "white": 97}
_ATTRIBUTE_CODES = {"underline": 4, "blink": 5}
_LEVEL_COLORS = {"ERROR": "red", "WARNING": "yellow", "INFO": "white", "DEBUG": "green"}


def stdout_supports_color() -> bool:
    """Whether ANSI colour should be written to stdout (termcolor's rules).

    ``ANSI_COLORS_DISABLED`` or ``NO_COLOR`` switch colour off, ``FORCE_COLOR`` on; otherwise
    only a real terminal (not ``TERM=dumb``) gets colour.
    """
    env = os.environ
    if env.get("ANSI_COLORS_DISABLED") or env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    stream = sys.stdout
    if stream is None or not hasattr(stream, "fileno"):
        return False
    try:
        return os.isatty(stream.fileno())
    except (OSError, ValueError):
        return bool(getattr(stream, "isatty", lambda: False)())


def colorize(text: str, color: str, attrs: tuple[str, ...] = ()) -> str:
    """``text`` wrapped in ANSI codes: attributes outermost, last attribute first."""
    codes = [_ATTRIBUTE_CODES[a] for a in reversed(attrs)] + [_COLOR_CODES[color]]
    return "".join(f"\033[{code}m" for code in codes) + text + _RESET


class FilterDuplicateWarning(logging.Filter):
    """Let each distinct WARNING message through once; other levels always pass."""

    def __init__(self, name: str = "mmengine") -> None:
        super().__init__(name)
        self.seen: set[Any] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        try:
            if record.msg in self.seen:
                return False
            self.seen.add(record.msg)
        except TypeError:  # an unhashable message object cannot be remembered: show it
            pass
        return True


class MMFormatter(logging.Formatter):
    """Formatter with one line layout per level, optionally coloured.

    Args:
        color: colour the level name (terminals only; files would get escape codes).
        blink: also blink INFO and DEBUG (errors and warnings always blink when coloured).
        **kwargs: passed to :class:`logging.Formatter` (``datefmt``, ...).
    """

    def __init__(self, color: bool = True, blink: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if blink and not color:
            raise FormatterArgumentError(
                "MMFormatter(blink=True) needs color=True: blinking is an ANSI colour attribute"
            )
        use_color = color and stdout_supports_color()
        head = "%(asctime)s - %(name)s - "
        self._styles: dict[int, logging.PercentStyle] = {}
        for level_name, always_blink in (
            ("ERROR", True),
            ("WARNING", True),
            ("INFO", blink),
            ("DEBUG", blink),
        ):
            label = level_name
            if use_color:
                attrs = ("underline", "blink") if always_blink else ("underline",)
                label = colorize(level_name, _LEVEL_COLORS[level_name], attrs)
            where = " - %(pathname)s - %(funcName)s - %(lineno)d" if level_name == "ERROR" else ""
            fmt = f"{head}{label}{where} - %(message)s"
            self._styles[logging.getLevelName(level_name)] = logging.PercentStyle(fmt)
        # CRITICAL and custom levels: mmengine reuses whichever layout ran last; here they get
        # the error layout (>= ERROR) or the plain one, with their own level name.
        error_label = "%(levelname)s"
        if use_color:
            error_label = colorize("%(levelname)s", "red", ("underline", "blink"))
        self._error_fallback = logging.PercentStyle(
            f"{head}{error_label} - %(pathname)s - %(funcName)s - %(lineno)d - %(message)s"
        )
        self._plain_fallback = logging.PercentStyle(f"{head}%(levelname)s - %(message)s")

    def usesTime(self) -> bool:
        return True

    def formatMessage(self, record: logging.LogRecord) -> str:
        style = self._styles.get(record.levelno)
        if style is None:
            is_error = record.levelno >= logging.ERROR
            style = self._error_fallback if is_error else self._plain_fallback
        return style.format(record)
