from collections import namedtuple

import pytest
import torch

from mmlight.model import BaseDataPreprocessor, ImgDataPreprocessor
from mmlight.registry import MODELS


class FakeSample:
    """Something shaped like mmengine's BaseDataElement: to / keys / to_dict."""

    def __init__(self, t: torch.Tensor) -> None:
        self.t = t
        self.moved_to = None

    def to(self, *args, **kwargs):
        self.moved_to = (args, kwargs)
        return self

    def keys(self):
        return ["t"]

    def to_dict(self):
        return {"t": self.t}


def test_registered_in_models():
    assert MODELS.get("BaseDataPreprocessor") is BaseDataPreprocessor
    assert MODELS.get("ImgDataPreprocessor") is ImgDataPreprocessor


def test_cast_data_keeps_structure():
    Pair = namedtuple("Pair", ["a", "b"])
    pre = BaseDataPreprocessor(non_blocking=True)
    sample = FakeSample(torch.ones(1))
    data = {
        "inputs": [torch.ones(2), (torch.zeros(1), "x")],
        "pair": Pair(torch.ones(1), None),
        "raw": b"bytes",
        "n": 3,
        "sample": sample,
    }
    out = pre(data)
    assert isinstance(out, dict) and isinstance(out["inputs"], list)
    assert isinstance(out["inputs"][1], tuple) and out["inputs"][1][1] == "x"
    assert isinstance(out["pair"], Pair) and out["pair"].b is None
    assert out["raw"] == b"bytes" and out["n"] == 3
    assert sample.moved_to == ((torch.device("cpu"),), {"non_blocking": True})


def test_device_follows_to():
    pre = BaseDataPreprocessor()
    assert pre.device == torch.device("cpu")
    pre.to("meta")
    assert pre.device == torch.device("meta")
    assert pre(torch.ones(2)).is_meta
    pre.cpu()
    assert pre.device == torch.device("cpu")


def test_img_list_inputs_flip_normalise_and_pad():
    pre = ImgDataPreprocessor(
        mean=[1.0, 2.0, 3.0], std=[2.0, 2.0, 2.0], pad_size_divisor=4, pad_value=-1, bgr_to_rgb=True
    )
    a = torch.arange(3 * 2 * 3, dtype=torch.uint8).view(3, 2, 3)
    b = torch.ones(3, 5, 1, dtype=torch.uint8)
    out = pre({"inputs": [a, b]})
    x = out["inputs"]
    assert x.shape == (2, 3, 8, 4) and x.dtype == torch.float32
    assert out["data_samples"] is None
    expected_a = (a[[2, 1, 0]].float() - torch.tensor([1.0, 2.0, 3.0]).view(3, 1, 1)) / 2
    assert torch.equal(x[0, :, :2, :3], expected_a)
    assert torch.all(x[0, :, 2:, :] == -1) and torch.all(x[0, :, :, 3:] == -1)
    assert torch.all(x[1, :, 5:, :] == -1) and torch.all(x[1, :, :, 1:] == -1)


def test_img_batch_tensor_input_pads_right_bottom():
    pre = ImgDataPreprocessor(mean=[10.0], std=[5.0], pad_size_divisor=3, rgb_to_bgr=True)
    batch = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).view(2, 3, 4, 4)
    out = pre({"inputs": batch, "data_samples": ["s1", "s2"]})
    x = out["inputs"]
    assert x.shape == (2, 3, 6, 6)
    assert torch.equal(x[:, :, :4, :4], (batch[:, [2, 1, 0]] - 10) / 5)
    assert torch.all(x[:, :, 4:] == 0)
    assert out["data_samples"] == ["s1", "s2"]


def test_img_without_normalisation_only_casts_to_float():
    out = ImgDataPreprocessor()({"inputs": [torch.ones(1, 2, 2, dtype=torch.uint8)]})
    assert torch.equal(out["inputs"], torch.ones(1, 1, 2, 2))


def test_mean_std_buffers_are_not_persistent():
    pre = ImgDataPreprocessor(mean=[1, 2, 3], std=[1, 1, 1])
    assert pre.state_dict() == {}
    assert pre.mean.shape == (3, 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            dict(bgr_to_rgb=True, rgb_to_bgr=True),
            "`bgr2rgb` and `rgb2bgr` cannot be set to True at the same time.*cannot both be True",
        ),
        (
            dict(mean=[1, 2, 3]),
            "mean and std should be both None or tuple: mean and std must be given together"
            ".*std is None",
        ),
        (dict(std=[1, 2, 3]), "mean is None"),
        (dict(mean=[1, 2], std=[1, 2, 3]), r"`mean` should have 1 or 3 values.*got 2: \[1, 2\]"),
        (dict(mean=[1], std=[1, 2, 3, 4]), "`std` should have 1 or 3 values"),
    ],
)
def test_img_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImgDataPreprocessor(**kwargs)
    with pytest.raises(AssertionError):  # what mmengine raises, still catchable
        ImgDataPreprocessor(**kwargs)


def test_img_bad_inputs():
    pre = ImgDataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1])
    with pytest.raises(
        ValueError,
        match=r"If the mean has 3 values, the input tensor should in shape of \(3, H, W\)"
        r".*each input must be a \(3, H, W\).*\(1, 2, 2\)",
    ):
        pre({"inputs": [torch.ones(1, 2, 2)]})
    with pytest.raises(ValueError, match=r"must be NCHW \(4 dims\), but got shape \(3, 2, 2\)"):
        pre({"inputs": torch.ones(3, 2, 2)})
    with pytest.raises(TypeError, match="must be a list of CHW tensors or an NCHW tensor"):
        pre({"inputs": "img.png"})
    with pytest.raises(TypeError, match=r"expects a batch dict .* but got a list"):
        pre([torch.ones(3, 2, 2)])
    with pytest.raises(KeyError, match=r"has keys \['img'\]") as info:
        pre({"img": torch.ones(1, 3, 2, 2)})
    assert str(info.value).startswith("ImgDataPreprocessor expects")
