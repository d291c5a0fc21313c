"""``RunnerTestCase``: mmengine's unittest fixture for tests that need a small working Runner.

It registers a toy model, dataset and metric, gives epoch- and iteration-based configs that
train them for a few steps on CPU, builds runners from them, and afterwards clears the global
state a runner leaves behind (named logger/visualizer/message hub/scope instances, the toy
registrations, the work directory, a process group).
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import tempfile
import time
import unittest
import uuid
from typing import Any, ClassVar

import torch
from torch import nn
from torch.utils.data import Dataset

from mmlight.config import Config
from mmlight.dist import is_distributed
from mmlight.evaluator import BaseMetric
from mmlight.logging import MessageHub, MMLogger
from mmlight.model import BaseModel
from mmlight.registry import DATASETS, METRICS, MODELS, DefaultScope
from mmlight.visualization import Visualizer

__all__ = ["RunnerTestCase", "ToyDataset", "ToyMetric", "ToyModel"]


class ToyModel(BaseModel):
    """Two linear layers, 2 -> 2 -> 1; the loss is ``(data_samples - outputs).sum()``."""

    def __init__(self, data_preprocessor: Any = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.linear1 = nn.Linear(2, 2)
        self.linear2 = nn.Linear(2, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        if isinstance(inputs, list):
            inputs = torch.stack(inputs)
        if isinstance(data_samples, list):
            data_samples = torch.stack(data_samples)
        outputs = self.linear2(self.linear1(inputs))
        if mode == "loss":
            return dict(loss=(data_samples - outputs).sum())
        if mode in ("tensor", "predict"):
            return outputs
        return None


class ToyDataset(Dataset):
    """12 random 2-d inputs (drawn once, at import) with label 1."""

    METAINFO: ClassVar[dict[str, Any]] = {}
    data = torch.randn(12, 2)
    label = torch.ones(12)

    @property
    def metainfo(self) -> dict[str, Any]:
        return self.METAINFO

    def __len__(self) -> int:
        return self.data.size(0)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return dict(inputs=self.data[index], data_samples=self.label[index])


class ToyMetric(BaseMetric):
    """Reports ``acc=1`` whatever it is given."""

    def __init__(self, collect_device: str = "cpu", dummy_metrics: Any = None) -> None:
        super().__init__(collect_device=collect_device)
        self.dummy_metrics = dummy_metrics

    def process(self, data_batch: Any, predictions: Any) -> None:
        self.results.append({"acc": 1})

    def compute_metrics(self, results: list[Any]) -> dict[str, Any]:
        return dict(acc=1)


def _loader(sampler: str, shuffle: bool) -> dict[str, Any]:
    return dict(dataset=dict(type="ToyDataset"), sampler=dict(type=sampler, shuffle=shuffle),
                batch_size=3, num_workers=0)


class RunnerTestCase(unittest.TestCase):
    """A TestCase with ``epoch_based_cfg``/``iter_based_cfg`` and ``build_runner``."""

    # the environment ``setup_dist_env`` exports (each call moves to the next port)
    dist_cfg: ClassVar[dict[str, Any]] = dict(MASTER_ADDR="127.0.0.1", MASTER_PORT=29600,
                                              RANK="0", WORLD_SIZE="1", LOCAL_RANK="0")

    def setUp(self) -> None:
        self.temp_dir = tempfile.TemporaryDirectory()
        MODELS.register_module(module=ToyModel, force=True)
        METRICS.register_module(module=ToyMetric, force=True)
        DATASETS.register_module(module=ToyDataset, force=True)
        # 2 epochs of 4 iterations, validating after each epoch
        self.epoch_based_cfg = Config(dict(
            work_dir=self.temp_dir.name,
            model=dict(type="ToyModel"),
            train_dataloader=_loader("DefaultSampler", shuffle=True),
            val_dataloader=_loader("DefaultSampler", shuffle=False),
            val_evaluator=[dict(type="ToyMetric")],
            test_dataloader=_loader("DefaultSampler", shuffle=False),
            test_evaluator=[dict(type="ToyMetric")],
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
            train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
            val_cfg=dict(),
            test_cfg=dict(),
            default_hooks=dict(logger=dict(type="LoggerHook", interval=1)),
            custom_hooks=[],
            env_cfg=dict(dist_cfg=dict(backend="nccl")),
            experiment_name="test1",
            # The toy loss is unbounded below and reaches -inf after ~3 epochs; mmengine's
            # runner trains on regardless, and tests written for this fixture rely on it.
            nonfinite_loss="warn",
        ))
        # 12 iterations from an infinite sampler, one checkpoint at the end
        self.iter_based_cfg: Config = copy.deepcopy(self.epoch_based_cfg)
        self.iter_based_cfg.train_dataloader = _loader("InfiniteSampler", shuffle=True)
        self.iter_based_cfg.log_processor = dict(by_epoch=False)
        self.iter_based_cfg.train_cfg = dict(by_epoch=False, max_iters=12)
        self.iter_based_cfg.default_hooks = dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=12, by_epoch=False),
        )

    def tearDown(self) -> None:
        logging.shutdown()
        for manager in (MMLogger, Visualizer, DefaultScope, MessageHub):
            manager._instance_dict.clear()
        MODELS.module_dict.pop("ToyModel", None)
        METRICS.module_dict.pop("ToyMetric", None)
        DATASETS.module_dict.pop("ToyDataset", None)
        self.temp_dir.cleanup()
        if is_distributed():
            torch.distributed.destroy_process_group()

    def build_runner(self, cfg: Config) -> Any:
        """``Runner.from_cfg(cfg)`` under a fresh experiment name (named instances differ)."""
        from mmlight.runner import Runner

        cfg.experiment_name = self.experiment_name
        return Runner.from_cfg(cfg)

    @property
    def experiment_name(self) -> str:
        return f"{self._testMethodName}_{time.time()} + {uuid.uuid4()}"

    def setup_dist_env(self) -> None:
        """Export a one-process ``torch.distributed`` environment on a port not used before."""
        self.dist_cfg["MASTER_PORT"] += 1
        for key in ("MASTER_PORT", "MASTER_ADDR", "RANK", "WORLD_SIZE", "LOCAL_RANK"):
            os.environ[key] = str(self.dist_cfg[key])

    def clear_work_dir(self) -> None:
        """Empty the work directory (closing the log files first)."""
        logging.shutdown()
        for entry in os.scandir(self.temp_dir.name):
            if entry.is_file() or entry.is_symlink():
                os.remove(entry.path)
            else:
                shutil.rmtree(entry.path)
