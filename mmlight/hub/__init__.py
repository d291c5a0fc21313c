"""Configs and models shipped inside installed OpenMMLab packages (``mmengine.hub``'s API)."""

from mmlight.hub.hub import MissingWeightsError, get_config, get_model
from mmlight.hub.packages import (
    ExternalConfigNameError,
    PackageNotInstalledError,
    UnknownPackageError,
)

__all__ = [
    "ExternalConfigNameError",
    "MissingWeightsError",
    "PackageNotInstalledError",
    "UnknownPackageError",
    "get_config",
    "get_model",
]
