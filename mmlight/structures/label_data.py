"""``LabelData``: label-level annotations or predictions (e.g. an image's class labels).

Besides the ``BaseDataElement`` behaviour it converts between index labels and one-hot vectors,
keeping the input's device and dtype. Behaviour and messages follow mmengine 0.10.7's class.
"""

from __future__ import annotations

import torch

from ._checks import require
from .base_data_element import BaseDataElement

__all__ = ["LabelData"]


class LabelData(BaseDataElement):
    """Label-level annotations or predictions."""

    @staticmethod
    def onehot_to_label(onehot: torch.Tensor) -> torch.Tensor:
        """Indices of the non-zero entries of a 1-D tensor whose values lie in ``[0, 1]``."""
        require(
            isinstance(onehot, torch.Tensor),
            f"onehot_to_label expects a torch.Tensor, but got {type(onehot)}",
        )
        if onehot.ndim == 1 and onehot.max().item() <= 1 and onehot.min().item() >= 0:
            return onehot.nonzero().squeeze(-1)
        raise ValueError("input is not one-hot and can not convert to label")

    @staticmethod
    def label_to_onehot(label: torch.Tensor, num_classes: int) -> torch.Tensor:
        """A ``(num_classes,)`` tensor like ``label`` with ones at the given class indices."""
        require(
            isinstance(label, torch.Tensor),
            f"label_to_onehot expects a torch.Tensor, but got {type(label)}",
        )
        onehot = label.new_zeros((num_classes,))
        largest = max(label, default=torch.tensor(0)).item()
        require(
            largest < num_classes,
            f"label_to_onehot: label {largest} is out of range for {num_classes} classes",
        )
        onehot[label] = 1
        return onehot
