"""torch's base classes under the names OpenMMLab code imports (mmengine's parrots_wrapper).

mmengine picks these from torch or from SenseTime's ``parrots``; mmlight runs on torch only,
so each name is torch's class. Downstream code uses them for isinstance checks
(``_BatchNorm``) and registrations (``SyncBatchNorm``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd, _ConvTransposeMixin
from torch.nn.modules.instancenorm import _InstanceNorm
from torch.nn.modules.pooling import _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd, _AvgPoolNd, _MaxPoolNd
from torch.utils.data import DataLoader

__all__ = [
    "CUDA_HOME",  # noqa: F822 - provided by __getattr__
    "TORCH_VERSION",
    "DataLoader",
    "PoolDataLoader",
    "SyncBatchNorm",
    "SyncBatchNorm_",
    "_AdaptiveAvgPoolNd",
    "_AdaptiveMaxPoolNd",
    "_AvgPoolNd",
    "_BatchNorm",
    "_ConvNd",
    "_ConvTransposeMixin",
    "_InstanceNorm",
    "_MaxPoolNd",
    "get_build_config",
    "is_rocm_pytorch",
]

TORCH_VERSION: str = torch.__version__

# parrots has a separate pooled loader; on torch it is the plain DataLoader.
PoolDataLoader = DataLoader
SyncBatchNorm_ = torch.nn.SyncBatchNorm


class SyncBatchNorm(SyncBatchNorm_):
    """torch's SyncBatchNorm as its own class, which mmcv registers as ``'SyncBN'``.

    A subclass (as in mmengine), so ``isinstance(torch.nn.SyncBatchNorm(...), SyncBatchNorm)``
    stays False there and here.
    """


def is_rocm_pytorch() -> bool:
    """Whether torch was built for AMD ROCm (HIP) and a ROCm installation was found."""
    try:
        from torch.utils.cpp_extension import ROCM_HOME
    except ImportError:
        return False
    return torch.version.hip is not None and ROCM_HOME is not None


def _get_cuda_home() -> str | None:
    """The CUDA (or ROCm) toolkit directory torch's extension builder would use."""
    if is_rocm_pytorch():
        from torch.utils.cpp_extension import ROCM_HOME

        return ROCM_HOME
    from torch.utils.cpp_extension import CUDA_HOME

    return CUDA_HOME


def get_build_config() -> str:
    """torch's build summary (``torch.__config__.show()``)."""
    return torch.__config__.show()


def _get_extension() -> tuple[Any, Any, Any]:
    """torch's ``(BuildExtension, CppExtension, CUDAExtension)`` for setup scripts."""
    from torch.utils.cpp_extension import BuildExtension, CppExtension, CUDAExtension

    return BuildExtension, CppExtension, CUDAExtension


def __getattr__(name: str) -> Any:
    # ``CUDA_HOME`` needs torch.utils.cpp_extension, slow to import: found on first use.
    if name == "CUDA_HOME":
        return _get_cuda_home()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
