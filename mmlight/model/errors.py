"""Exception types for bad model / init_cfg / preprocessor input.

mmengine checks much of this input with ``assert``, so code written against it may catch
``AssertionError``. Each class here is the builtin type that describes the problem (``TypeError``,
``ValueError``, ...) *and* an ``AssertionError``, so both styles of ``except`` keep working
while the message explains what is wrong and what would be right.
"""

from __future__ import annotations

__all__ = ["ModelKeyError", "ModelRuntimeError", "ModelTypeError", "ModelValueError"]


class ModelTypeError(TypeError, AssertionError):
    """An argument has the wrong type (mmengine asserts or raises TypeError here)."""


class ModelValueError(ValueError, AssertionError):
    """An argument has the right type but an unusable value."""


class ModelRuntimeError(RuntimeError, AssertionError):
    """The model changed in a way the current operation cannot handle."""


class ModelKeyError(KeyError):
    """A required key is missing; prints its message plainly (KeyError would repr-quote it)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
