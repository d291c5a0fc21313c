"""Visualizer and vis backends with mmengine's names (``mmlight.visualization``).

Importing this package registers ``Visualizer`` in ``VISUALIZERS`` and the backends in
``VISBACKENDS``: ``LocalVisBackend`` (mmengine's files), and ``CSVVisBackend``,
``TensorboardVisBackend``, ``WandbVisBackend``, ``MLflowVisBackend`` built on Lightning's loggers.
"""

from mmlight.visualization.errors import (
    DuplicateVisBackendError,
    MissingVisBackendPackageError,
    VisualizationArgumentError,
    VisualizationTypeError,
)
from mmlight.visualization.lightning_backends import (
    CSVVisBackend,
    LightningLoggerVisBackend,
    MLflowVisBackend,
    TensorboardVisBackend,
    WandbVisBackend,
)
from mmlight.visualization.vis_backend import BaseVisBackend, LocalVisBackend, force_init_env
from mmlight.visualization.visualizer import Visualizer

__all__ = [
    "BaseVisBackend",
    "CSVVisBackend",
    "DuplicateVisBackendError",
    "LightningLoggerVisBackend",
    "LocalVisBackend",
    "MLflowVisBackend",
    "MissingVisBackendPackageError",
    "TensorboardVisBackend",
    "VisualizationArgumentError",
    "VisualizationTypeError",
    "Visualizer",
    "WandbVisBackend",
    "force_init_env",
]
