"""Exceptions raised by ``mmlight.hooks`` for bad priorities, hook arguments and runner state.

Each class derives from the builtin type mmengine raises for the same mistake (ValueError,
KeyError, TypeError; AssertionError where mmengine only asserts), so ``except`` clauses written
against mmengine keep catching them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "HookArgumentError",
    "HookArgumentTypeError",
    "InvalidPriorityError",
    "RunnerAttributeError",
    "RunnerAttributeTypeError",
    "UnknownPriorityError",
    "did_you_mean",
    "positive_int",
]


class InvalidPriorityError(ValueError):
    """A priority int outside 0..100 (mmengine raises ValueError)."""


class UnknownPriorityError(InvalidPriorityError, KeyError):
    """A priority name that is not a ``Priority`` member (mmengine raises KeyError).

    ``str()`` gives the message itself, not KeyError's quoted repr.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HookArgumentError(ValueError):
    """A hook constructor argument has a value the hook cannot work with."""


class HookArgumentTypeError(TypeError):
    """A hook constructor argument has the wrong type."""


class RunnerAttributeError(AttributeError, AssertionError):
    """The runner lacks something a hook needs (mmengine asserts here)."""


class RunnerAttributeTypeError(TypeError, AssertionError):
    """A runner attribute a hook reads has the wrong type (mmengine asserts or raises TypeError)."""


def positive_int(owner: str, name: str, value: Any) -> int:
    """``value`` when it is an int above 0 (not a bool); else the error naming ``owner.name``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise HookArgumentTypeError(
            f"{owner}: {name} must be a positive int, but got {type(value).__name__}: {value!r}"
        )
    if value <= 0:
        raise HookArgumentError(f"{owner}: {name} must be a positive int, but got {value}")
    return value


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A `` (did you mean 'x'?)`` suffix for ``name``, or '' when nothing is close."""
    close = difflib.get_close_matches(str(name), sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
