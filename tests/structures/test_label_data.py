"""LabelData: index labels to one-hot vectors and back."""

from __future__ import annotations

import pytest
import torch

from mmlight.structures import LabelData


def test_label_to_onehot() -> None:
    onehot = LabelData.label_to_onehot(torch.tensor([1, 3]), num_classes=5)
    assert onehot.tolist() == [0, 1, 0, 1, 0] and onehot.dtype == torch.int64
    empty = LabelData.label_to_onehot(torch.tensor([], dtype=torch.int64), 3)
    assert empty.tolist() == [0, 0, 0]
    with pytest.raises(AssertionError, match="label 4 is out of range for 4 classes"):
        LabelData.label_to_onehot(torch.tensor([4]), 4)
    with pytest.raises(AssertionError, match=r"expects a torch\.Tensor"):
        LabelData.label_to_onehot([1], 4)  # type: ignore[arg-type]


def test_onehot_to_label() -> None:
    labels = torch.arange(0, 9)
    assert torch.equal(LabelData.onehot_to_label(LabelData.label_to_onehot(labels, 10)), labels)
    assert LabelData.onehot_to_label(torch.tensor([0.0, 1.0])).tolist() == [1]
    for bad in (torch.tensor([2]), torch.tensor([-1, 1]), torch.tensor([[0, 1]])):
        with pytest.raises(ValueError, match="input is not one-hot and can not convert to label"):
            LabelData.onehot_to_label(bad)
    with pytest.raises(AssertionError, match=r"expects a torch\.Tensor"):
        LabelData.onehot_to_label("x")  # type: ignore[arg-type]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_conversions_keep_the_device() -> None:
    labels = torch.arange(0, 3).cuda()
    onehot = LabelData.label_to_onehot(labels, 4)
    assert onehot.device == labels.device
    assert LabelData.onehot_to_label(onehot).device == labels.device
