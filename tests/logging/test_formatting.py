"""MMFormatter layouts and colours, FilterDuplicateWarning, the colour switch."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import pytest

from mmlight.logging.errors import FormatterArgumentError
from mmlight.logging.formatting import (
    FilterDuplicateWarning,
    MMFormatter,
    colorize,
    stdout_supports_color,
)


def _record(level: int, msg: str = "msg") -> logging.LogRecord:
    return logging.LogRecord("nm", level, "/src/file.py", 12, msg, None, None, func="fn")


@pytest.fixture
def force_color(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ANSI_COLORS_DISABLED", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")


def test_colorize_matches_termcolor_layout() -> None:
    assert colorize("ERROR", "red", ("underline", "blink")) == "\033[5m\033[4m\033[31mERROR\033[0m"
    assert colorize("INFO", "white", ("underline",)) == "\033[4m\033[97mINFO\033[0m"


def test_plain_layouts() -> None:
    fmt = MMFormatter(color=False, datefmt="%Y")
    year = r"\d{4}"
    assert re.fullmatch(rf"{year} - nm - INFO - msg", fmt.format(_record(logging.INFO)))
    assert re.fullmatch(rf"{year} - nm - DEBUG - msg", fmt.format(_record(logging.DEBUG)))
    assert re.fullmatch(rf"{year} - nm - WARNING - msg", fmt.format(_record(logging.WARNING)))
    assert re.fullmatch(
        rf"{year} - nm - ERROR - /src/file.py - fn - 12 - msg", fmt.format(_record(logging.ERROR))
    )
    # levels mmengine has no layout for get their own name instead of the last layout used
    assert re.fullmatch(
        rf"{year} - nm - CRITICAL - /src/file.py - fn - 12 - msg",
        fmt.format(_record(logging.CRITICAL)),
    )
    assert re.fullmatch(rf"{year} - nm - Level 25 - msg", fmt.format(_record(25)))


def test_colored_layouts(force_color: None) -> None:
    fmt = MMFormatter(color=True, datefmt="X")
    assert fmt.format(_record(logging.INFO)) == "X - nm - \033[4m\033[97mINFO\033[0m - msg"
    assert fmt.format(_record(logging.WARNING)) == (
        "X - nm - \033[5m\033[4m\033[33mWARNING\033[0m - msg"
    )
    assert fmt.format(_record(logging.DEBUG)) == "X - nm - \033[4m\033[32mDEBUG\033[0m - msg"
    blink = MMFormatter(color=True, blink=True, datefmt="X")
    assert blink.format(_record(logging.INFO)) == "X - nm - \033[5m\033[4m\033[97mINFO\033[0m - msg"


def test_color_off_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ANSI_COLORS_DISABLED", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    # pytest captures stdout, so it is not a terminal here
    assert stdout_supports_color() is False
    assert (
        MMFormatter(color=True, datefmt="X").format(_record(logging.INFO)) == "X - nm - INFO - msg"
    )
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert stdout_supports_color() is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert stdout_supports_color() is False


def test_exceptions_are_appended() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("nm", logging.ERROR, "f.py", 1, "msg", None, sys.exc_info())
    text = MMFormatter(color=False).format(record)
    assert text.splitlines()[-1] == "RuntimeError: boom"


def test_blink_needs_color() -> None:
    with pytest.raises(FormatterArgumentError, match=r"blink=True\) needs color=True") as info:
        MMFormatter(color=False, blink=True)
    assert isinstance(info.value, AssertionError)


def test_filter_duplicate_warning() -> None:
    flt = FilterDuplicateWarning()
    assert flt.name == "mmengine"
    assert flt.filter(_record(logging.WARNING, "a"))
    assert not flt.filter(_record(logging.WARNING, "a"))
    assert flt.filter(_record(logging.WARNING, "b"))
    assert flt.filter(_record(logging.INFO, "a")) and flt.filter(_record(logging.INFO, "a"))
    unhashable = _record(logging.WARNING)
    unhashable.msg = ["not", "hashable"]
    assert flt.filter(unhashable) and flt.filter(unhashable)


def test_stdout_without_fileno(monkeypatch: Any) -> None:
    for var in ("ANSI_COLORS_DISABLED", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.stdout", object())
    assert stdout_supports_color() is False
