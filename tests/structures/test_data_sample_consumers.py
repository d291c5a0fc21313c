"""mmlight's own components accept mmlight data samples where mmengine's accept mmengine's.

Collate functions keep them as lists, data preprocessors move them (and what they nest) to the
model's device, the Evaluator hands metrics their ``to_dict()``, BaseMetric moves them to CPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import torch

from mmlight.dataset import default_collate, pseudo_collate
from mmlight.evaluator import BaseMetric, Evaluator
from mmlight.model import BaseDataPreprocessor, ImgDataPreprocessor
from mmlight.model.base_model.data_preprocessor import is_data_element
from mmlight.structures import BaseDataElement, InstanceData, LabelData, PixelData


class DetDataSample(BaseDataElement):
    """An mmdet-style sample: ground truth behind a typed property."""

    @property
    def gt_instances(self) -> InstanceData:
        return self._gt_instances

    @gt_instances.setter
    def gt_instances(self, value: InstanceData) -> None:
        self.set_field(value, "_gt_instances", dtype=InstanceData)


def make_sample(index: int) -> DetDataSample:
    sample = DetDataSample(metainfo=dict(img_id=index, img_shape=(4, 6)))
    sample.gt_instances = InstanceData(
        bboxes=torch.full((2, 4), float(index)), labels=torch.tensor([index, index + 1])
    )
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 4, 6, dtype=torch.uint8))
    sample.gt_label = LabelData(label=torch.tensor([index]))
    return sample


def make_batch(collate: Any) -> dict:
    images = [torch.full((3, 4, 6), 10 * i, dtype=torch.uint8) for i in range(2)]
    samples = [{"inputs": image, "data_samples": make_sample(i)} for i, image in enumerate(images)]
    return collate(samples)


def tensors_of(sample: BaseDataElement) -> list[torch.Tensor]:
    found = []
    for value in sample.values():
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, BaseDataElement):
            found.extend(tensors_of(value))
    return found


@pytest.mark.parametrize("cls", [BaseDataElement, InstanceData, LabelData, PixelData])
def test_every_structure_counts_as_a_data_element(cls: type) -> None:
    assert is_data_element(cls())


@pytest.mark.parametrize("collate", [pseudo_collate, default_collate])
def test_collate_keeps_samples_as_a_list(collate: Any) -> None:
    batch = make_batch(collate)
    assert isinstance(batch["data_samples"], list)
    assert [type(s) for s in batch["data_samples"]] == [DetDataSample, DetDataSample]
    assert batch["data_samples"][1].gt_instances.labels.tolist() == [1, 2]


@pytest.mark.parametrize("collate", [pseudo_collate, default_collate])
def test_img_data_preprocessor_moves_samples(collate: Any) -> None:
    preprocessor = ImgDataPreprocessor(mean=[0.0] * 3, std=[2.0] * 3, pad_size_divisor=4)
    batch = make_batch(collate)
    originals = batch["data_samples"]
    out = preprocessor(batch)
    assert out["inputs"].shape == (2, 3, 4, 8) and out["inputs"].dtype == torch.float32
    moved = out["data_samples"]
    assert [type(s) for s in moved] == [DetDataSample, DetDataSample]
    for before, after in zip(originals, moved):
        assert after is not before  # ``to`` made a new element, as in mmengine
        assert after.img_id == before.img_id
        assert isinstance(after.gt_instances, InstanceData)
        assert torch.equal(after.gt_instances.bboxes, before.gt_instances.bboxes)
        assert all(t.device == preprocessor.device for t in tensors_of(after))


@pytest.mark.parametrize("collate", [pseudo_collate, default_collate])
def test_samples_follow_the_preprocessor_device(collate: Any) -> None:
    # The meta device needs no accelerator but is a real device move.
    preprocessor = ImgDataPreprocessor(mean=[0.0] * 3, std=[1.0] * 3, pad_size_divisor=4)
    out = preprocessor.to("meta")(make_batch(collate))
    assert out["inputs"].device.type == "meta" and out["inputs"].shape == (2, 3, 4, 8)
    for sample in out["data_samples"]:
        tensors = tensors_of(sample)
        assert len(tensors) == 4
        assert all(t.device.type == "meta" for t in tensors)
        assert isinstance(sample.gt_instances, InstanceData) and len(sample.gt_instances) == 2


def test_base_preprocessor_moves_nested_samples() -> None:
    preprocessor = BaseDataPreprocessor().to("meta")
    out = preprocessor({"nested": {"samples": (make_sample(0),)}})
    (sample,) = out["nested"]["samples"]
    assert all(t.device.type == "meta" for t in tensors_of(sample))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_img_data_preprocessor_moves_samples_to_cuda() -> None:
    preprocessor = ImgDataPreprocessor(mean=[0.0] * 3, std=[1.0] * 3).cuda()
    out = preprocessor(make_batch(pseudo_collate))
    assert out["inputs"].is_cuda
    for sample in out["data_samples"]:
        assert all(t.is_cuda for t in tensors_of(sample))
        assert sample.gt_instances.cpu().bboxes.device.type == "cpu"


class RecordingMetric(BaseMetric):
    default_prefix = "rec"

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        self.seen.extend(data_samples)
        self.results.extend(sample["gt_instances"]["labels"] for sample in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return {"count": sum(len(labels) for labels in results)}


def test_evaluator_hands_metrics_dicts() -> None:
    metric = RecordingMetric()
    evaluator = Evaluator(metric)
    evaluator.process([make_sample(0), make_sample(1)], data_batch={})
    first = metric.seen[0]
    assert isinstance(first, dict)
    assert first["img_id"] == 0 and isinstance(first["gt_instances"], dict)
    assert sorted(first["gt_instances"]) == ["bboxes", "labels"]
    assert evaluator.evaluate(2) == {"rec/count": 4}
