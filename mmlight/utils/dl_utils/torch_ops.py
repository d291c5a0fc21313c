"""torch calls whose signature changed across versions (mmengine.utils.dl_utils.torch_ops)."""

from __future__ import annotations

import torch

__all__ = ["torch_meshgrid"]


def torch_meshgrid(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``torch.meshgrid`` with matrix (``'ij'``) indexing, named so torch does not warn."""
    return torch.meshgrid(*tensors, indexing="ij")
