"""A tiny project in tmp_path: a custom_imports module with a BaseModel, a random-tensor
dataset and a metric, plus an MMEngine-style config using them."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TOY_MODULE = '''
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from mmlight.evaluator import BaseMetric
from mmlight.model import BaseModel
from mmlight.registry import DATASETS, METRICS, MODELS


@DATASETS.register_module()
class ToyCliData(Dataset):
    def __init__(self, size=16, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(size, 4, generator=g)
        self.y = (self.x.sum(1) > 0).long()
        self.metainfo = dict(classes=("neg", "pos"))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return dict(inputs=self.x[i], data_samples=int(self.y[i]))


@MODELS.register_module()
class ToyCliNet(BaseModel):
    def __init__(self, hidden=8, fail=False, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.fail = fail
        self.fc1 = nn.Linear(4, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, inputs, data_samples=None, mode="tensor"):
        logits = self.fc2(torch.relu(self.fc1(torch.stack(inputs))))
        if mode == "loss":
            if self.fail:
                raise RuntimeError("toy model failed on purpose")
            return dict(loss=F.cross_entropy(logits, torch.tensor(data_samples)))
        if mode == "predict":
            return [dict(pred=int(p), gt=int(g), score=l)
                    for p, g, l in zip(logits.argmax(1), data_samples, logits)]
        return logits


@METRICS.register_module()
class ToyCliAcc(BaseMetric):
    default_prefix = "toy"

    def process(self, data_batch, data_samples):
        self.results.extend(float(s["pred"] == s["gt"]) for s in data_samples)

    def compute_metrics(self, results):
        return dict(accuracy=sum(results) / len(results))
'''

TOY_CONFIG = '''
custom_imports = dict(imports=["toy_cli_pkg"], allow_failed_imports=False)
model = dict(type="ToyCliNet", hidden=8)
work_dir = "{work_dir}"
_loader = dict(
    batch_size=4, num_workers=0,
    dataset=dict(type="ToyCliData", size=16),
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="pseudo_collate"),
)
train_dataloader = _loader
val_dataloader = _loader
test_dataloader = _loader
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()
val_evaluator = dict(type="ToyCliAcc")
test_evaluator = dict(type="ToyCliAcc")
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="SGD", lr=0.1))
param_scheduler = dict(type="MultiStepLR", milestones=[1], gamma=0.5)
default_hooks = dict(logger=dict(type="LoggerHook", interval=1))
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False, base_batch_size=4)
'''


@pytest.fixture(autouse=True)
def _drop_dead_log_streams() -> Iterator[None]:
    """In-process runs within one second share an MMLogger (same experiment name) whose
    stdout handler points at the previous test's closed capture stream; drop such handlers."""
    yield
    if "mmlight.logging" not in sys.modules:
        return
    from mmlight.logging import MMLogger

    loggers: list[Any] = list(MMLogger._instance_dict.values())
    loggers += [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in list(getattr(logger, "handlers", [])):
            if getattr(getattr(handler, "stream", None), "closed", False):
                logger.removeHandler(handler)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """tmp_path with toy_cli_pkg.py and toy.py (work_dir tmp_path/work)."""
    (tmp_path / "toy_cli_pkg.py").write_text(textwrap.dedent(TOY_MODULE))
    config = TOY_CONFIG.format(work_dir=(tmp_path / "work").as_posix())
    (tmp_path / "toy.py").write_text(textwrap.dedent(config))
    return tmp_path


def write_checkpoint(path: Path, hidden: int = 8) -> Path:
    """An MMEngine-layout checkpoint for ToyCliNet, without importing the toy module."""
    import torch

    torch.manual_seed(0)
    state = {
        "fc1.weight": torch.randn(hidden, 4), "fc1.bias": torch.zeros(hidden),
        "fc2.weight": torch.randn(2, hidden), "fc2.bias": torch.zeros(2),
    }
    torch.save({"state_dict": state, "meta": {}}, path)
    return path


def run_cli(
    module: str, *args: str, cwd: Path, check_rc: int | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m <module> args`` in ``cwd`` with a clean, fast environment."""
    env = dict(os.environ, PYTHONPATH=str(cwd), PYTHONWARNINGS="ignore", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=120,
    )
    if check_rc is not None:
        assert result.returncode == check_rc, (result.returncode, result.stdout, result.stderr)
    return result
