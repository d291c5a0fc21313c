"""Exception types for bad optimizer, optimizer-wrapper and scheduler input.

mmengine checks much of this input with ``assert``; code written against it may therefore catch
``AssertionError``. Each class here is the builtin type that names the problem (``TypeError``,
``ValueError``, ``KeyError``, ...) *and* an ``AssertionError``, so both kinds of ``except`` keep
working while the message says what is wrong and what would be right.
"""

from __future__ import annotations

__all__ = [
    "OptimAttributeError",
    "OptimKeyError",
    "OptimRuntimeError",
    "OptimTypeError",
    "OptimValueError",
]


class OptimTypeError(TypeError, AssertionError):
    """An argument has the wrong type."""


class OptimValueError(ValueError, AssertionError):
    """An argument has the right type but an unusable value."""


class OptimRuntimeError(RuntimeError, AssertionError):
    """The operation cannot run in the current state or on this machine."""


class OptimKeyError(KeyError, AssertionError):
    """A required key or name is missing; printed plainly (KeyError would repr-quote it)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OptimAttributeError(AttributeError, ValueError):
    """A feature the object does not offer (mmengine fails here with AttributeError)."""
