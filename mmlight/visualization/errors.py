"""Exceptions of the visualization package, each a subclass of the builtin mmengine raises."""

from __future__ import annotations

__all__ = [
    "DuplicateVisBackendError",
    "MissingVisBackendPackageError",
    "VisualizationArgumentError",
    "VisualizationAssertionError",
    "VisualizationTypeError",
    "raise_unless",
]


class VisualizationArgumentError(ValueError):
    """A visualizer or vis backend argument has the right type but a wrong value."""


class VisualizationAssertionError(VisualizationArgumentError, AssertionError):
    """A wrong value where mmengine asserts: both ``except ValueError`` and
    ``except AssertionError`` catch it, and the message keeps mmengine's wording."""


class VisualizationTypeError(TypeError):
    """A visualizer or vis backend argument has the wrong type."""


class MissingVisBackendPackageError(ImportError):
    """An optional package a vis backend needs (tensorboard, wandb, mlflow, matplotlib) is missing.

    A subclass of ImportError, as mmengine raises, so ``except ImportError`` keeps working.
    """


class DuplicateVisBackendError(RuntimeError):
    """Two backends of one visualizer share a name (RuntimeError, as mmengine raises)."""


def raise_unless(condition: bool, message: str = "") -> None:
    """What mmengine checks with ``assert``, as a :class:`VisualizationAssertionError`
    (kept under ``python -O``)."""
    if not condition:
        raise VisualizationAssertionError(message)
