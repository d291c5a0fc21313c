"""Checks on modules and images from tensors (mmengine.utils.dl_utils.misc)."""

from __future__ import annotations

import importlib.util

import numpy as np
import torch
from torch import nn

from mmlight.utils.dl_utils.parrots_wrapper import _BatchNorm, _InstanceNorm
from mmlight.utils.misc import is_tuple_of

__all__ = ["has_batch_norm", "is_norm", "mmcv_full_available", "tensor2imgs"]


def is_norm(layer: nn.Module, exclude: type | tuple[type, ...] | None = None) -> bool:
    """Whether ``layer`` is a batch, instance, group or layer normalisation, minus ``exclude``."""
    if exclude is not None:
        if not isinstance(exclude, tuple):
            exclude = (exclude,)
        if not is_tuple_of(exclude, type):
            raise TypeError(
                f'"exclude" must be either None or type or a tuple of types, '
                f"but got {type(exclude)}: {exclude}"
            )
    if exclude and isinstance(layer, exclude):
        return False
    return isinstance(layer, (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm))


def tensor2imgs(
    tensor: torch.Tensor,
    mean: tuple[float, ...] | None = None,
    std: tuple[float, ...] | None = None,
    to_bgr: bool = True,
) -> list[np.ndarray]:
    """Undo normalisation of an ``(N, C, H, W)`` batch and return N ``(H, W, C)`` arrays.

    ``C`` is 3 (RGB, turned to BGR when ``to_bgr``) or 1 (then ``to_bgr`` must be False).
    Values are ``x * std + mean``; nothing is clipped or cast. Wrong shapes: AssertionError.
    """
    if not (torch.is_tensor(tensor) and tensor.ndim == 4):
        raise AssertionError("tensor2imgs needs a 4-d (N, C, H, W) tensor")
    channels = tensor.size(1)
    if channels not in (1, 3):
        raise AssertionError(f"tensor2imgs needs 1 or 3 channels, but got {channels}")
    mean = (0,) * channels if mean is None else mean
    std = (1,) * channels if std is None else std
    if not (
        (channels == len(mean) == len(std) == 3)
        or (channels == len(mean) == len(std) == 1 and not to_bgr)
    ):
        raise AssertionError(
            f"mean {mean} and std {std} must have one value per channel ({channels}), "
            "and a 1-channel image cannot be converted to BGR"
        )
    mean_t = tensor.new_tensor(mean).view(1, -1)
    std_t = tensor.new_tensor(std).view(1, -1)
    images = (tensor.permute(0, 2, 3, 1) * std_t + mean_t).detach().cpu().numpy()
    if to_bgr and channels == 3:
        images = images[:, :, :, (2, 1, 0)]
    return [np.ascontiguousarray(image) for image in images]


def has_batch_norm(model: nn.Module) -> bool:
    """Whether ``model`` is or contains a batch-norm layer (any of its subclasses)."""
    return any(isinstance(module, _BatchNorm) for module in model.modules())


def mmcv_full_available() -> bool:
    """Whether mmcv with its compiled ops (``mmcv._ext``: mmcv-full, not mmcv-lite) is installed."""
    try:
        import mmcv  # noqa: F401
    except ImportError:
        return False
    return importlib.util.find_spec("mmcv._ext") is not None
