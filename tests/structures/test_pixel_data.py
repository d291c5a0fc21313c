"""PixelData: (C, H, W) fields sharing one height and width, cropped alike."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from mmlight.structures import PixelData


def make_pixels() -> PixelData:
    return PixelData(
        metainfo=dict(img_shape=(4, 6)),
        seg=torch.arange(24).view(1, 4, 6),
        image=np.arange(72).reshape(3, 4, 6),
    )


def test_shape() -> None:
    assert PixelData().shape is None
    assert make_pixels().shape == (4, 6)


def test_two_dim_values_get_a_channel_axis() -> None:
    pixels = make_pixels()
    with pytest.warns(UserWarning, match=re.escape("will convert from (4, 6) to (1, 4, 6)")):
        pixels.heat = np.zeros((4, 6))
    assert pixels.heat.shape == (1, 4, 6)
    with pytest.warns(UserWarning, match=re.escape("torch.Size([4, 6]) to torch.Size([1, 4, 6])")):
        pixels.mask = torch.ones(4, 6)
    assert tuple(pixels.mask.shape) == (1, 4, 6)


def test_value_checks() -> None:
    pixels = make_pixels()
    with pytest.raises(
        AssertionError,
        match=re.escape(
            "Can not set <class 'list'>, only support (<class 'torch.Tensor'>, "
            "<class 'numpy.ndarray'>)"
        ),
    ):
        pixels.bad = [[1]]
    with pytest.raises(
        AssertionError,
        match=re.escape(
            "The height and width of values (5, 6) is not consistent with the shape of this "
            ":obj:`PixelData` (4, 6)"
        ),
    ):
        pixels.bad = torch.ones(1, 5, 6)
    with pytest.raises(AssertionError, match="The dim of value must be 2 or 3, but got 4"):
        pixels.bad = torch.ones(1, 1, 4, 6)
    with pytest.raises(AttributeError, match="immutable"):
        pixels._metainfo_fields = set()
    pixels.set_metainfo(dict(anything="goes"))  # metainfo is not checked
    assert pixels.anything == "goes"


def test_crop() -> None:
    pixels = make_pixels()
    crop = pixels[1:3, 2:5]
    assert crop.shape == (2, 3) and crop.metainfo == pixels.metainfo
    assert crop.seg.tolist() == [[[8, 9, 10], [14, 15, 16]]]
    assert crop.image.shape == (3, 2, 3)
    point = pixels[-1, 0]
    assert point.shape == (1, 1) and point.seg.tolist() == [[[18]]]


def test_crop_checks() -> None:
    pixels = make_pixels()
    with pytest.raises(TypeError, match="Unsupported type <class 'int'> for slicing PixelData"):
        pixels[1]  # type: ignore[index]
    with pytest.raises(AssertionError, match="Only support to slice height and width"):
        pixels[1, 2, 3]  # type: ignore[index]
    with pytest.raises(
        TypeError,
        match="The type of element in input must be int or slice, but got <class 'float'>",
    ):
        pixels[1.5, 2]  # type: ignore[index]
    with pytest.raises(TypeError, match="'NoneType' object is not subscriptable"):
        PixelData()[0, 0]
