"""Which accelerator this process can use (mmengine.device.utils).

mmengine probes the vendor plugins (``torch_npu``, ``torch_mlu``, ``torch_dipu``,
``torch_musa``) when ``mmengine.device`` is imported. Here torch and the plugins are imported
on the first question and the answers kept, so ``import mmlight.device`` costs nothing and
the answers match mmengine's once asked.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

__all__ = [
    "get_device",
    "get_max_cuda_memory",
    "get_max_musa_memory",
    "is_cuda_available",
    "is_dipu_available",
    "is_mlu_available",
    "is_mps_available",
    "is_musa_available",
    "is_npu_available",
    "is_npu_support_full_precision",
]

# Ascend SoC versions from this one on train in full precision.
_NPU_FULL_PRECISION_SOC = 220


@functools.cache
def is_npu_available() -> bool:
    """Whether Ascend's ``torch_npu`` is installed and sees an NPU."""
    try:
        import torch
        import torch_npu  # noqa: F401

        # As mmengine: NPUJITCompile set to anything non-empty turns on JIT compilation of
        # dynamic shapes (the plugin's default is off).
        npu: Any = torch.npu  # type: ignore[attr-defined]
        npu.set_compile_mode(jit_compile=bool(os.getenv("NPUJITCompile", False)))  # noqa: SIM112
        return bool(npu.is_available())
    except Exception:  # any failure of a vendor plugin means "not available"
        return False


@functools.cache
def is_mlu_available() -> bool:
    """Whether Cambricon's ``torch_mlu`` is installed and sees an MLU."""
    try:
        import torch
        import torch_mlu  # noqa: F401

        return hasattr(torch, "mlu") and bool(torch.mlu.is_available())
    except Exception:
        return False


def _plugin_importable(name: str) -> bool:
    try:
        __import__(name)
    except Exception:
        return False
    return True


@functools.cache
def is_dipu_available() -> bool:
    """Whether ``torch_dipu`` imports (mmengine asks nothing more of it)."""
    return _plugin_importable("torch_dipu")


@functools.cache
def is_musa_available() -> bool:
    """Whether Moore Threads' ``torch_musa`` imports (mmengine asks nothing more of it)."""
    return _plugin_importable("torch_musa")


def is_cuda_available() -> bool:
    """``torch.cuda.is_available()``, asked anew each time as in mmengine."""
    import torch

    return torch.cuda.is_available()


def is_mps_available() -> bool:
    """Whether Apple's Metal (MPS) backend is available."""
    import torch

    return hasattr(torch.backends, "mps") and torch.backends.mps.is_available()


def is_npu_support_full_precision() -> bool:
    """Whether an NPU is available and its SoC trains in full precision."""
    if not is_npu_available():
        return False
    import torch_npu.npu.utils as npu_utils

    return bool(npu_utils.get_soc_version() >= _NPU_FULL_PRECISION_SOC)


def _peak_megabytes(allocated: int, device: Any) -> int:
    """Bytes -> whole MB, passed through a tensor on ``device`` as mmengine does."""
    import torch

    return int(torch.tensor([int(allocated) // (1024 * 1024)], dtype=torch.int, device=device))


def get_max_cuda_memory(device: torch.device | None = None) -> int:
    """Peak CUDA memory held by tensors, in MB, on ``device`` (the current one by default).

    The current device's peak counter is then reset, so each call reports the peak since the
    previous one, as mmengine's logging expects.
    """
    import torch

    mem = torch.cuda.max_memory_allocated(device=device)
    megabytes = _peak_megabytes(mem, device)
    torch.cuda.reset_peak_memory_stats()
    return megabytes


def get_max_musa_memory(device: torch.device | None = None) -> int:
    """Peak MUSA memory held by tensors, in MB (not reset: torch_musa lacks that call)."""
    import torch

    mem = torch.musa.max_memory_allocated(device=device)  # type: ignore[attr-defined]
    return _peak_megabytes(mem, device)


@functools.cache
def get_device() -> str:
    """The accelerator type to run on: ``'npu'``, ``'cuda'``, ``'mlu'``, ``'mps'``, ``'dipu'``,
    ``'musa'`` or ``'cpu'``, the first available in that order (mmengine's).

    Decided once per process (mmengine decides when it is imported).
    """
    probes = (
        ("npu", is_npu_available),
        ("cuda", is_cuda_available),
        ("mlu", is_mlu_available),
        ("mps", is_mps_available),
        ("dipu", is_dipu_available),
        ("musa", is_musa_available),
    )
    for name, available in probes:
        if available():
            return name
    return "cpu"


# mmengine's module constants, computed when first read instead of at import.
_CONSTANTS = {
    "DEVICE": get_device,
    "IS_NPU_AVAILABLE": is_npu_available,
    "IS_MLU_AVAILABLE": is_mlu_available,
    "IS_DIPU_AVAILABLE": is_dipu_available,
    "IS_MUSA_AVAILABLE": is_musa_available,
}


def __getattr__(name: str) -> Any:
    probe = _CONSTANTS.get(name)
    if probe is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return probe()
