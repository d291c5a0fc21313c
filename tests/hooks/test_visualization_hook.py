"""VisualizationHook and NaiveVisualizationHook: what reaches the visualizer, and when."""

from __future__ import annotations

import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.hooks import NaiveVisualizationHook, VisualizationHook
from mmlight.registry import HOOKS


class DrawingVisualizer:
    """Keeps add_datasample/add_graph calls; 'draws' by inverting the image."""

    def __init__(self) -> None:
        self.samples: list[dict[str, Any]] = []
        self.graphs: list[Any] = []
        self._image: Any = None

    def add_datasample(self, name: str, image: Any, data_sample: Any = None, **kwargs: Any) -> None:
        self.samples.append(dict(name=name, image=image, data_sample=data_sample, **kwargs))
        self._image = 255 - image

    def get_image(self) -> Any:
        return self._image

    def add_graph(self, model: Any, data_batch: Any) -> None:
        self.graphs.append((model, data_batch))


def _batch(n: int = 2, with_paths: bool = True) -> dict:
    inputs = [torch.full((3, 4, 5), float(10 * (i + 1))) for i in range(n)]
    samples = [
        dict(img_path=f"/data/img_{i}.jpg") if with_paths else dict(label=i) for i in range(n)
    ]
    return dict(inputs=inputs, data_samples=samples)


def _runner(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(
        visualizer=DrawingVisualizer(), iter=100, log_dir=str(tmp_path), model="the model"
    )


def test_registered_with_mmengine_defaults() -> None:
    hook = HOOKS.build(dict(type="VisualizationHook"))
    assert (hook.draw, hook.interval, hook.show, hook.wait_time, hook.test_out_dir) == (
        False, 50, False, 0.0, None,
    )  # fmt: skip
    naive = HOOKS.build(dict(type="NaiveVisualizationHook"))
    assert (naive._interval, naive.draw_gt, naive.draw_pred) == (1, True, True)
    assert VisualizationHook.priority == NaiveVisualizationHook.priority == "NORMAL"


@pytest.mark.parametrize("cls", [VisualizationHook, NaiveVisualizationHook])
def test_interval_must_be_positive(cls) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}: interval must be a positive int"):
        cls(interval=0)
    with pytest.raises(TypeError, match=r"interval must be a positive int, but got str: '5'"):
        cls(interval="5")


def test_nothing_is_drawn_unless_asked(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    hook = VisualizationHook(interval=1)
    hook.after_val_iter(runner, 0, _batch(), ["p0", "p1"])
    hook.after_test_iter(runner, 0, _batch(), ["p0", "p1"])
    assert runner.visualizer.samples == []


def test_val_records_the_first_sample_of_every_interval_batch(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    hook = VisualizationHook(draw=True, interval=2)
    for batch_idx in range(4):
        hook.after_val_iter(runner, batch_idx, _batch(), [f"p{batch_idx}", "other"])
    samples = runner.visualizer.samples
    assert [(s["name"], s["data_sample"], s["step"]) for s in samples] == [
        ("val_img_0.jpg", "p1", 101),
        ("val_img_0.jpg", "p3", 103),
    ]
    image = samples[0]["image"]
    assert image.shape == (4, 5, 3) and image.dtype == np.uint8 and (image == 10).all()


def test_test_records_every_sample_and_writes_drawn_images(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    hook = VisualizationHook(draw=True, interval=1, test_out_dir="drawn")
    hook.before_test(runner)
    hook.after_test_iter(runner, 0, _batch(with_paths=False), ["a", "b"])
    samples = runner.visualizer.samples
    assert [(s["name"], s["data_sample"], s["step"]) for s in samples] == [
        ("test_test_0_0", "a", 1),
        ("test_test_0_1", "b", 2),
    ]
    data = (tmp_path / "drawn" / "test_0_1.png").read_bytes()
    idat = data.index(b"IDAT")
    raw = zlib.decompress(data[idat + 4 : idat + 4 + int.from_bytes(data[idat - 4 : idat], "big")])
    assert raw[1] == 255 - 20  # the visualizer's drawing, not the input


def test_normalised_inputs_are_restored(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    batch = dict(
        inputs=torch.zeros(1, 3, 6, 6),
        data_samples=[dict(img_norm_cfg=dict(mean=[1, 2, 3], std=[1, 1, 1]), img_shape=(4, 5))],
    )
    VisualizationHook(draw=True, interval=1).after_test_iter(runner, 0, batch, ["p"])
    image = runner.visualizer.samples[0]["image"]
    assert image.shape == (4, 5, 3)
    assert image[0, 0].tolist() == [1, 2, 3]


def test_naive_hook(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    hook = NaiveVisualizationHook(interval=2, draw_gt=False)
    hook.before_train(runner)
    assert runner.visualizer.graphs == [("the model", None)]
    for batch_idx in range(3):
        hook.after_test_iter(runner, batch_idx, _batch(), ["x", "y"])
    samples = runner.visualizer.samples
    assert [(s["name"], s["data_sample"], s["draw_gt"], s["draw_pred"]) for s in samples] == [
        ("img_0.jpg", "x", False, True),
        ("img_1.jpg", "y", False, True),
    ]
