"""Pieces the Runner-level parity scenarios share: toy data, and a model and a metric that each
scenario defines once per library, on that library's base classes.

Test modules import them as ``from tests.parity.conftest import ...`` (as tests/cli does):
pytest has already imported this file under that name before it collects the tests here.
Nothing in this file imports mmengine, so the parity modules' own ``importorskip`` guards
still decide whether a scenario runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

__all__ = [
    "LOOP_MOUNT_POINTS",
    "ToyDataset",
    "bare_model",
    "library",
    "record_every_mount_point",
    "toy_dataloaders",
    "toy_metric_class",
    "toy_model_class",
    "weights",
]

# The mount points the train/val/test loops fire (the checkpoint ones are left out).
LOOP_MOUNT_POINTS = (
    "before_run", "after_run", "before_train", "after_train", "before_train_epoch",
    "after_train_epoch", "before_train_iter", "after_train_iter", "before_val", "after_val",
    "before_val_epoch", "after_val_epoch", "before_val_iter", "after_val_iter", "before_test",
    "after_test", "before_test_epoch", "after_test_epoch", "before_test_iter", "after_test_iter",
)


def library(name: str) -> SimpleNamespace:
    """What a scenario builds on, from ``mmengine`` or ``mmlight`` (the import paths agree)."""
    config, evaluator, hooks, model, registry, runner = (
        importlib.import_module(f"{name}.{part}")
        for part in ("config", "evaluator", "hooks", "model", "registry", "runner")
    )
    return SimpleNamespace(
        Config=config.Config,
        BaseMetric=evaluator.BaseMetric,
        Hook=hooks.Hook,
        BaseModel=model.BaseModel,
        Runner=runner.Runner,
        get_priority=runner.get_priority,
        load_checkpoint=runner.load_checkpoint,
        DATASETS=registry.DATASETS,
        HOOKS=registry.HOOKS,
        METRICS=registry.METRICS,
        MODELS=registry.MODELS,
    )


class ToyDataset(Dataset):
    """Separable 3-class points in 4-D; fixed data, drawn from a private generator.

    ``noise`` scales the spread around the class centres (higher: a harder problem);
    ``with_metainfo=False`` leaves out ``metainfo``, as a dataset that declares no classes.
    """

    def __init__(
        self, size: int = 40, seed: int = 0, noise: float = 0.7, with_metainfo: bool = True
    ) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 3, (size,), generator=generator)
        centers = torch.tensor([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
        self.points = centers[self.labels] + noise * torch.randn(size, 4, generator=generator)
        if with_metainfo:
            self.metainfo = dict(classes=("a", "b", "c"))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.points[index], data_samples=int(self.labels[index]))


def toy_dataloaders(dataset: Callable[[int, int], Any], iter_based: bool) -> dict[str, dict]:
    """``train/val/test_dataloader`` configs: 40 shuffled points in batches of 8 (an infinite
    sampler when ``iter_based``), 21 in batches of 5 and 13 in batches of 4.

    ``dataset(size, seed)`` gives the ``dataset`` entry: an instance or a config dict.
    """

    def loader(size: int, seed: int, batch_size: int, sampler: str, shuffle: bool) -> dict:
        return dict(
            dataset=dataset(size, seed),
            sampler=dict(type=sampler, shuffle=shuffle),
            batch_size=batch_size,
            num_workers=0,
        )

    train_sampler = "InfiniteSampler" if iter_based else "DefaultSampler"
    return dict(
        train_dataloader=loader(40, 0, 8, train_sampler, True),
        val_dataloader=loader(21, 1, 5, "DefaultSampler", False),
        test_dataloader=loader(13, 2, 4, "DefaultSampler", False),
    )


def toy_model_class(
    base: type,
    name: str,
    hidden: int = 16,
    middle: Literal["dropout", "norm"] | None = None,
    split_loss: bool = False,
) -> type:
    """A two-layer classifier on ``base`` (a library's ``BaseModel``), named ``name``.

    ``middle`` adds ``Dropout(0.2)`` after the ReLU or ``BatchNorm1d`` before it; with
    ``split_loss`` the loss dict holds ``loss_ce`` and ``loss_half`` instead of ``loss``.
    """

    class ToyModel(base):  # type: ignore[misc,valid-type]
        def __init__(self, data_preprocessor: Any = None, init_cfg: Any = None) -> None:
            super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
            self.linear1 = nn.Linear(4, hidden)
            if middle == "norm":
                self.norm = nn.BatchNorm1d(hidden)
            elif middle == "dropout":
                self.dropout = nn.Dropout(0.2)
            self.linear2 = nn.Linear(hidden, 3)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            x = self.linear1(torch.stack(inputs))
            if middle == "norm":
                x = self.norm(x)
            x = torch.relu(x)
            if middle == "dropout":
                x = self.dropout(x)
            logits = self.linear2(x)
            if mode == "loss":
                loss = F.cross_entropy(logits, torch.tensor(data_samples))
                return dict(loss_ce=loss, loss_half=loss * 0.5) if split_loss else dict(loss=loss)
            if mode == "predict":
                preds = logits.argmax(1).tolist()
                return [dict(pred=p, gt=int(g)) for p, g in zip(preds, data_samples)]
            return logits

    ToyModel.__name__ = ToyModel.__qualname__ = name
    return ToyModel


def toy_metric_class(base: type, name: str) -> type:
    """``toy/accuracy`` of the toy model's predictions, on ``base`` (a library's ``BaseMetric``)."""

    class ToyAccuracy(base):  # type: ignore[misc,valid-type]
        default_prefix = "toy"

        def process(self, data_batch: Any, data_samples: Any) -> None:
            self.results.extend(float(s["pred"] == s["gt"]) for s in data_samples)

        def compute_metrics(self, results: list) -> dict:
            return dict(accuracy=sum(results) / len(results))

    ToyAccuracy.__name__ = ToyAccuracy.__qualname__ = name
    return ToyAccuracy


def record_every_mount_point(hook_class: type) -> type:
    """Give ``hook_class`` one method per loop mount point, each calling
    ``self.record(point, runner, **kwargs)``; returns the class."""

    def make(point: str) -> Callable[..., None]:
        def method(self: Any, runner: Any, **kwargs: Any) -> None:
            self.record(point, runner, **kwargs)

        method.__name__ = point
        return method

    for point in LOOP_MOUNT_POINTS:
        setattr(hook_class, point, make(point))
    return hook_class


def bare_model(runner: Any) -> nn.Module:
    """The runner's model without a DDP-style wrapper."""
    model = runner.model
    return model.module if hasattr(model, "module") else model


def weights(module: nn.Module) -> dict[str, torch.Tensor]:
    """Detached copies of ``module``'s state dict entries."""
    return {k: v.detach().clone() for k, v in module.state_dict().items()}
