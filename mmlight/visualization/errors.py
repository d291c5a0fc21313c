"""Exceptions of the visualization package, each a subclass of the builtin mmengine raises."""

from __future__ import annotations

__all__ = [
    "DuplicateVisBackendError",
    "MissingVisBackendPackageError",
    "VisualizationArgumentError",
    "VisualizationTypeError",
]


class VisualizationArgumentError(ValueError):
    """A visualizer or vis backend argument has the right type but a wrong value."""


class VisualizationTypeError(TypeError):
    """A visualizer or vis backend argument has the wrong type."""


class MissingVisBackendPackageError(ImportError):
    """An optional package a vis backend needs (tensorboard, wandb, mlflow, matplotlib) is missing.

    A subclass of ImportError, as mmengine raises, so ``except ImportError`` keeps working.
    """


class DuplicateVisBackendError(RuntimeError):
    """Two backends of one visualizer share a name (RuntimeError, as mmengine raises)."""
