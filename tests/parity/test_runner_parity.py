"""The same seeded training run under mmengine's Runner and mmlight's Runner on Lightning.

Per-iteration losses and learning rates, the hook call sequence (with ``runner.epoch`` and
``runner.iter`` as each hook sees them), validation and test metrics and the final weights
must agree to 1e-5.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

mmengine = pytest.importorskip("mmengine")

MOUNT_POINTS = (
    "before_run", "after_run", "before_train", "after_train", "before_train_epoch",
    "after_train_epoch", "before_train_iter", "after_train_iter", "before_val", "after_val",
    "before_val_epoch", "after_val_epoch", "before_val_iter", "after_val_iter", "before_test",
    "after_test", "before_test_epoch", "after_test_epoch", "before_test_iter", "after_test_iter",
)


class ToyDataset(Dataset):
    """Separable 3-class points; fixed data, drawn from a private generator."""

    def __init__(self, size: int = 40, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 3, (size,), generator=generator)
        centers = torch.tensor([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
        self.points = centers[self.labels] + 0.7 * torch.randn(size, 4, generator=generator)
        self.metainfo = dict(classes=("a", "b", "c"))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.points[index], data_samples=int(self.labels[index]))


def _library(name: str) -> dict[str, Any]:
    """The classes a test needs, defined once per library from that library's base classes."""
    if name == "mmengine":
        from mmengine.evaluator import BaseMetric
        from mmengine.hooks import Hook
        from mmengine.model import BaseModel
        from mmengine.registry import MODELS
        from mmengine.runner import Runner
    else:
        from mmlight.evaluator import BaseMetric
        from mmlight.hooks import Hook
        from mmlight.model import BaseModel
        from mmlight.registry import MODELS
        from mmlight.runner import Runner

    class ParityToyModel(BaseModel):
        def __init__(self, data_preprocessor: Any = None) -> None:
            super().__init__(data_preprocessor=data_preprocessor)
            self.linear1 = nn.Linear(4, 16)
            self.dropout = nn.Dropout(0.2)
            self.linear2 = nn.Linear(16, 3)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            x = torch.stack(inputs)
            logits = self.linear2(self.dropout(torch.relu(self.linear1(x))))
            if mode == "loss":
                return dict(loss=F.cross_entropy(logits, torch.tensor(data_samples)))
            if mode == "predict":
                preds = logits.argmax(1).tolist()
                return [dict(pred=p, gt=int(g)) for p, g in zip(preds, data_samples)]
            return logits

    class ParityAccuracy(BaseMetric):
        default_prefix = "toy"

        def process(self, data_batch: Any, data_samples: Any) -> None:
            self.results.extend(float(s["pred"] == s["gt"]) for s in data_samples)

        def compute_metrics(self, results: list) -> dict:
            return dict(accuracy=sum(results) / len(results))

    class Recorder(Hook):
        priority = "LOWEST"

        def __init__(self) -> None:
            self.calls: list[tuple[str, int, int]] = []
            self.losses: list[float] = []
            self.lrs: list[float] = []
            self.metrics: list[dict] = []

    def make(point: str) -> Any:
        def method(self: Any, runner: Any, **kwargs: Any) -> None:
            self.calls.append((point, runner.epoch, runner.iter))
            if point == "after_train_iter":
                self.losses.append(float(kwargs["outputs"]["loss"]))
                self.lrs.append(runner.optim_wrapper.get_lr()["lr"][0])
            if point in ("after_val_epoch", "after_test_epoch"):
                self.metrics.append(dict(kwargs["metrics"]))

        return method

    for point in MOUNT_POINTS:
        setattr(Recorder, point, make(point))
    MODELS.register_module(name="ParityToyModel", module=ParityToyModel, force=True)
    return dict(Runner=Runner, Recorder=Recorder, Metric=ParityAccuracy)


def _config(tmp_path: Any, name: str, lib: dict, iter_based: bool) -> dict:
    train_cfg = (
        dict(by_epoch=False, max_iters=12, val_interval=5, val_begin=1)
        if iter_based
        else dict(by_epoch=True, max_epochs=3, val_interval=1, val_begin=2)
    )
    sampler = "InfiniteSampler" if iter_based else "DefaultSampler"
    return dict(
        model=dict(type="ParityToyModel"),
        work_dir=str(tmp_path / name),
        train_dataloader=dict(
            dataset=ToyDataset(40), sampler=dict(type=sampler, shuffle=True),
            batch_size=8, num_workers=0,
        ),
        val_dataloader=dict(
            dataset=ToyDataset(21, seed=1), sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=5, num_workers=0,
        ),
        test_dataloader=dict(
            dataset=ToyDataset(13, seed=2), sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=4, num_workers=0,
        ),
        train_cfg=train_cfg,
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.2, by_epoch=False, begin=0, end=4),
            dict(type="MultiStepLR", milestones=[8] if iter_based else [2], by_epoch=iter_based
                 is False, gamma=0.5),
        ],
        val_evaluator=[lib["Metric"]()],
        test_evaluator=[lib["Metric"]()],
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=[lib["Recorder"]()],
        randomness=dict(seed=2024),
        experiment_name=f"parity_{name}",
    )


def _run(tmp_path: Any, name: str, iter_based: bool) -> dict[str, Any]:
    lib = _library(name)
    cfg = _config(tmp_path, name, lib, iter_based)
    recorder = cfg["custom_hooks"][0]
    runner = lib["Runner"](**copy.copy(cfg))
    runner.train()
    test_metrics = runner.test()
    model = runner.model.module if hasattr(runner.model, "module") else runner.model
    return dict(
        calls=recorder.calls,
        losses=recorder.losses,
        lrs=recorder.lrs,
        metrics=recorder.metrics,
        test=test_metrics,
        weights={k: v.detach().clone() for k, v in model.state_dict().items()},
    )


@pytest.mark.parametrize("iter_based", [False, True], ids=["epoch_based", "iter_based"])
def test_training_matches_mmengine(tmp_path: Any, iter_based: bool) -> None:
    expected = _run(tmp_path, "mmengine", iter_based)
    actual = _run(tmp_path, "mmlight", iter_based)

    assert actual["calls"] == expected["calls"]
    assert actual["lrs"] == pytest.approx(expected["lrs"], abs=1e-5)
    assert actual["losses"] == pytest.approx(expected["losses"], abs=1e-5)
    assert len(actual["metrics"]) == len(expected["metrics"])
    for got, want in zip(actual["metrics"], expected["metrics"]):
        assert got == pytest.approx(want, abs=1e-5)
    assert actual["test"] == pytest.approx(expected["test"], abs=1e-5)
    assert actual["weights"].keys() == expected["weights"].keys()
    for key, value in expected["weights"].items():
        torch.testing.assert_close(actual["weights"][key], value, atol=1e-5, rtol=0)
