"""``autocast``: mmengine's one mixed-precision context for every device.

It is ``torch.autocast`` with mmengine's defaults and checks: the device is the one the
machine trains on when not given (npu, cuda, mlu, mps, musa or cpu, in mmengine's order);
CUDA takes torch's autocast dtype (float16 unless changed) and refuses bfloat16 on a GPU
without it; CPU takes and accepts only bfloat16; any other device (such as mps) can only be
disabled. ``AmpOptimWrapper`` keeps its own autocast (its dtype and device come from the
wrapper's configuration).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["AutocastDeviceError", "autocast", "default_device_type"]


class AutocastDeviceError(ValueError):
    """``autocast`` enabled on a device that has no mixed precision."""


def _has_backend(name: str) -> bool:
    module = getattr(torch, name, None)
    is_available = getattr(module, "is_available", None)
    return bool(is_available and is_available())


def default_device_type() -> str:
    """The device mmengine's ``get_device()`` reports: npu, cuda, mlu, mps, dipu, musa, cpu
    (the first available)."""
    if _has_backend("npu"):
        return "npu"
    if torch.cuda.is_available():
        return "cuda"
    if _has_backend("mlu"):
        return "mlu"
    if hasattr(torch.backends, "mps") and torch.backends.mps.is_available():
        return "mps"
    if importlib.util.find_spec("torch_dipu") is not None:
        return "dipu"
    if importlib.util.find_spec("torch_musa") is not None:
        return "musa"
    return "cpu"


# mmengine's module-level name for the default device; autocast looks it up here at call time
# (mmengine's tests, and downstream ones, patch ``mmengine.runner.amp.get_device``).
get_device = default_device_type


@contextmanager
def autocast(
    device_type: str | None = None,
    dtype: torch.dtype | None = None,
    enabled: bool = True,
    cache_enabled: bool | None = None,
) -> Iterator[None]:
    """Run the block in mixed precision on ``device_type`` (default: the training device).

    Raises ``RuntimeError`` for bfloat16 on a CUDA device without it, ``AssertionError`` for
    a CPU dtype other than bfloat16, and ``ValueError`` when enabled on another device.
    """
    if cache_enabled is None:
        cache_enabled = torch.is_autocast_cache_enabled()
    device_type = get_device() if device_type is None else device_type
    if device_type in ("cuda", "musa"):
        if dtype is None:
            dtype = torch.get_autocast_dtype("cuda")  # mmengine: the GPU dtype for musa too
        if device_type == "cuda" and dtype == torch.bfloat16 \
                and not torch.cuda.is_bf16_supported():
            raise RuntimeError(
                "Current CUDA Device does not support bfloat16. Please switch dtype to float16."
            )
    elif device_type == "cpu":
        if dtype is None:
            dtype = torch.bfloat16
        if dtype != torch.bfloat16:
            raise AssertionError(
                f"In CPU autocast, only support `torch.bfloat16` dtype (got {dtype})"
            )
    elif device_type not in ("mlu", "npu"):
        if not enabled:
            yield
            return
        raise AutocastDeviceError(
            f"User specified autocast device_type must be cuda or cpu, but got {device_type}"
        )
    with torch.autocast(
        device_type=device_type, enabled=enabled, dtype=dtype, cache_enabled=cache_enabled
    ):
        yield
