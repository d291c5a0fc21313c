"""A 1.x-era project - MMCV 1.x config, 1.x model, 1.x hook named in ``custom_hooks`` - trains
unchanged under ``mmlight-train``: the config is translated on load, the model and hook wrapped."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli

LEGACY_MODULE = '''
import json
import os.path as osp

import torch
from torch import nn
from torch.utils.data import Dataset

from mmlight.mmcv1.legacy_hook import Hook
from mmlight.registry import DATASETS, HOOKS, MODELS


@DATASETS.register_module()
class LegacyPairs(Dataset):
    def __init__(self, size=8):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(size, 2, generator=g)
        self.y = self.x.sum(1, keepdim=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(x=self.x[i], y=self.y[i])


@MODELS.register_module()
class LegacyRegressor(nn.Module):  # MMCV 1.x model contract, no mmlight base class
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x, y, return_loss=True):
        pred = self.fc(x)
        return dict(loss=((pred - y) ** 2).mean()) if return_loss else list(pred.detach())

    def train_step(self, data_batch, optimizer, **kwargs):
        loss = self(**data_batch)["loss"]
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data_batch["x"]))


@HOOKS.register_module()
class LegacyTrace(Hook):  # written against MMCV 1.x's Hook API
    def __init__(self, every=2):
        self.every = every
        self.calls = []

    def before_epoch(self, runner):
        self.calls.append(["before_epoch", runner.mode, runner.epoch])

    def after_train_iter(self, runner):
        if self.every_n_iters(runner, self.every) or self.end_of_epoch(runner):
            runner.log_buffer.average(self.every)
            self.calls.append(["after_train_iter", runner.iter, runner.inner_iter,
                               self.end_of_epoch(runner), runner.current_lr()[0],
                               runner.log_buffer.output["loss"] > 0])

    def after_run(self, runner):
        with open(osp.join(runner.work_dir, "legacy_calls.json"), "w") as f:
            json.dump(self.calls, f)
'''

OLD_CONFIG = """
custom_imports = dict(imports=["legacy_pkg"], allow_failed_imports=False)
model = dict(type="LegacyRegressor")
work_dir = "work"
data = dict(samples_per_gpu=2, workers_per_gpu=0, train=dict(type="LegacyPairs", size=8))
optimizer = dict(type="SGD", lr=0.1, momentum=0.9)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy="step", step=[1])
runner = dict(type="EpochBasedRunner", max_epochs=2)
checkpoint_config = dict(interval=2)
log_config = dict(interval=2, hooks=[dict(type="TextLoggerHook")])
workflow = [("train", 1)]
custom_hooks = [dict(type="LegacyTrace", every=3, priority="LOW")]
"""


def test_legacy_project_trains_unchanged(tmp_path: Path) -> None:
    (tmp_path / "legacy_pkg.py").write_text(textwrap.dedent(LEGACY_MODULE))
    (tmp_path / "old.py").write_text(OLD_CONFIG)
    result = run_cli("mmlight.cli.train", "old.py", cwd=tmp_path, check_rc=0)
    assert result.stderr.count("is an MMCV 1.x config") == 1, result.stderr
    log = result.stdout + result.stderr
    assert "MMCV1HookAdapter" in log  # listed among the hooks, at its priority
    calls = json.loads((tmp_path / "work" / "legacy_calls.json").read_text())
    # every_n_iters(3) counts global iterations, end_of_epoch the 4th batch of each epoch.
    lrs = [call.pop(4) for call in calls if call[0] == "after_train_iter"]
    assert calls == [
        ["before_epoch", "train", 0],
        ["after_train_iter", 2, 2, False, True],
        ["after_train_iter", 3, 3, True, True],
        ["before_epoch", "train", 1],
        ["after_train_iter", 5, 1, False, True],
        ["after_train_iter", 7, 3, True, True],
    ]
    assert lrs == pytest.approx([0.1, 0.1, 0.01, 0.01])  # step at epoch 1
    assert (tmp_path / "work" / "epoch_2.pth").is_file()
