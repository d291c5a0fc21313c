"""Exceptions of ``mmlight.logging`` and of the log processor.

Each class is the builtin type mmengine raises for the same mistake, so ``except KeyError`` (or
``TypeError``, ...) written against mmengine keeps working. Where mmengine only has an ``assert``,
the class is also an ``AssertionError``. KeyError subclasses print their message unquoted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "CustomCfgError",
    "EmptyHistoryError",
    "FormatterArgumentError",
    "HistoryBufferArgumentError",
    "InconsistentResumedKeyError",
    "LogLevelError",
    "LogModeError",
    "LoggerNotCreatedError",
    "MessageHubKeyError",
    "MessageHubValueError",
    "StatisticsRegistrationError",
    "UnknownFileHandlerError",
    "UnknownStatisticError",
    "did_you_mean",
]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'loss'?)"`` when a choice looks like ``name``, else ``''``."""
    close = difflib.get_close_matches(name, sorted(set(choices)), n=3, cutoff=0.6)
    if not close:
        return ""
    if len(close) == 1:
        return f" (did you mean {close[0]!r}?)"
    return " (did you mean one of " + ", ".join(repr(c) for c in close) + "?)"


class _PlainKeyError(KeyError):
    """KeyError whose ``str()`` is the message itself, not its repr."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HistoryBufferArgumentError(TypeError, ValueError, AssertionError):
    """A HistoryBuffer got mismatched histories or a bad window size / max_length.

    mmengine asserts on these, so this is an AssertionError too; TypeError and ValueError
    cover both the "wrong type" and the "wrong value" readings of the same mistake.
    """


class EmptyHistoryError(ValueError):
    """A statistic (``current``, ``max``, ``min``) was asked of a buffer with no values."""


class UnknownStatisticError(_PlainKeyError):
    """``HistoryBuffer.statistics(name)`` with a name that was never registered."""


class StatisticsRegistrationError(ValueError, AssertionError):
    """``register_statistics`` with a name that is already taken by another function."""


class MessageHubKeyError(_PlainKeyError, AssertionError):
    """A scalar key that is not in the hub, or a state dict that lacks a required key."""


class MessageHubValueError(TypeError, ValueError, AssertionError):
    """A value the hub cannot log as a scalar (not a number, or more than one element)."""


class InconsistentResumedKeyError(ValueError, AssertionError):
    """A key was first logged with ``resumed=True`` and later with ``False`` (or vice versa)."""


class LogLevelError(_PlainKeyError, ValueError):
    """A log level name that :mod:`logging` does not know (mmengine raises KeyError)."""


class UnknownFileHandlerError(ValueError, AssertionError):
    """``file_handler_cfg`` names no file handler of :mod:`logging.handlers`, or no type."""


class FormatterArgumentError(ValueError, AssertionError):
    """``MMFormatter(color=False, blink=True)``: blinking needs colour (mmengine asserts)."""


class LoggerNotCreatedError(ValueError):
    """``print_log(logger='name')`` for an MMLogger instance that does not exist yet."""


class LogModeError(ValueError, AssertionError):
    """A LogProcessor method got a mode other than 'train', 'val' or 'test' (mmengine asserts)."""


class CustomCfgError(TypeError, ValueError, AssertionError):
    """``LogProcessor(custom_cfg=...)`` is malformed; the message lists every bad entry.

    mmengine reports these with asserts (duplicate ``log_name``, ``window_size='epoch'`` when
    not by epoch) or a TypeError (unknown ``window_size``), so this is all three types.
    """
