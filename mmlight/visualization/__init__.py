"""Visualizer and vis backends with mmengine's names (``mmlight.visualization``).

Importing this package registers ``Visualizer`` in ``VISUALIZERS`` and the backends in
``VISBACKENDS``: ``LocalVisBackend`` (mmengine's files), and ``CSVVisBackend``,
``TensorboardVisBackend``, ``WandbVisBackend``, ``MLflowVisBackend`` built on Lightning's loggers,
and ``AimVisBackend``, ``ClearMLVisBackend``, ``DVCLiveVisBackend``, ``NeptuneVisBackend`` on the
trackers' own packages. Drawing helpers are in :mod:`mmlight.visualization.utils`.
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
from mmlight.visualization.tracker_backends import (
    AimVisBackend,
    ClearMLVisBackend,
    DVCLiveVisBackend,
    NeptuneVisBackend,
)
from mmlight.visualization.vis_backend import BaseVisBackend, LocalVisBackend, force_init_env
from mmlight.visualization.visualizer import Visualizer

__all__ = [
    "AimVisBackend",
    "BaseVisBackend",
    "CSVVisBackend",
    "ClearMLVisBackend",
    "DVCLiveVisBackend",
    "DuplicateVisBackendError",
    "LightningLoggerVisBackend",
    "LocalVisBackend",
    "MLflowVisBackend",
    "MissingVisBackendPackageError",
    "NeptuneVisBackend",
    "TensorboardVisBackend",
    "VisualizationArgumentError",
    "VisualizationTypeError",
    "Visualizer",
    "WandbVisBackend",
    "force_init_env",
]
