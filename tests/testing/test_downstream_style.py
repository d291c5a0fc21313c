"""Runner tests written the way OpenMMLab repositories write them on ``RunnerTestCase``.

mmdet's and mmpretrain's hook and runner tests subclass the fixture, tweak
``self.epoch_based_cfg`` or ``self.iter_based_cfg``, build a runner, train, and then read the
work directory, the logs or what a hook saw. These do the same on mmlight, where the run is
driven by Lightning's Trainer.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

pytest.importorskip("torch")
pytest.importorskip("lightning")

import lightning.pytorch as pl
import torch

from mmlight.hooks import Hook
from mmlight.registry import HOOKS
from mmlight.testing import RunnerTestCase


class RecordingHook(Hook):
    """Counts the hook calls and keeps the metrics the evaluation hooks receive."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.val_metrics: list[dict[str, Any]] = []
        self.test_metrics: list[dict[str, Any]] = []

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def before_run(self, runner: Any) -> None:
        self._count("before_run")

    def before_train(self, runner: Any) -> None:
        self._count("before_train")

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        self._count("after_train_iter")
        assert "loss" in outputs

    def after_train_epoch(self, runner: Any) -> None:
        self._count("after_train_epoch")

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        self._count("after_val_epoch")
        self.val_metrics.append(dict(metrics or {}))

    def after_test_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        self._count("after_test_epoch")
        self.test_metrics.append(dict(metrics or {}))


def _recording_hook(runner: Any) -> RecordingHook:
    return next(hook for hook in runner.hooks if isinstance(hook, RecordingHook))


def _scalars(runner: Any) -> list[dict[str, Any]]:
    path = Path(runner.log_dir) / "vis_data" / "scalars.json"
    with open(path) as lines:
        return [json.loads(line) for line in lines]


class TestDownstreamStyle(RunnerTestCase):
    def setUp(self) -> None:
        super().setUp()
        HOOKS.register_module(module=RecordingHook, force=True)

    def tearDown(self) -> None:
        HOOKS.module_dict.pop("RecordingHook", None)
        super().tearDown()

    def test_hook_sees_every_iteration_and_the_metrics(self) -> None:
        cfg = copy.deepcopy(self.epoch_based_cfg)
        cfg.custom_hooks = [dict(type="RecordingHook")]
        runner = self.build_runner(cfg)
        runner.train()
        runner.test()
        hook = _recording_hook(runner)
        self.assertEqual(hook.calls, dict(before_run=2, before_train=1, after_train_iter=8,
                                          after_train_epoch=2, after_val_epoch=2,
                                          after_test_epoch=1))
        self.assertEqual(hook.val_metrics, [{"acc": 1}, {"acc": 1}])
        self.assertEqual(hook.test_metrics, [{"acc": 1}])

    def test_trains_through_lightning(self) -> None:
        runner = self.build_runner(copy.deepcopy(self.epoch_based_cfg))
        with mock.patch.object(pl.Trainer, "fit", autospec=True,
                               side_effect=pl.Trainer.fit) as fit, \
                mock.patch.object(pl.Trainer, "validate", autospec=True,
                                  side_effect=pl.Trainer.validate) as validate:
            runner.train()
            runner.val()
        self.assertEqual(fit.call_count, 1)
        self.assertEqual(validate.call_count, 1)
        self.assertEqual((runner.epoch, runner.iter), (2, 8))

    def test_keeps_the_newest_checkpoint_only(self) -> None:
        cfg = copy.deepcopy(self.epoch_based_cfg)
        cfg.default_hooks = dict(checkpoint=dict(type="CheckpointHook", interval=1,
                                                 max_keep_ckpts=1))
        runner = self.build_runner(cfg)
        runner.train()
        work_dir = Path(self.temp_dir.name)
        self.assertEqual(sorted(p.name for p in work_dir.glob("*.pth")), ["epoch_2.pth"])
        self.assertEqual((work_dir / "last_checkpoint").read_text().strip(),
                         str(work_dir / "epoch_2.pth"))
        ckpt = torch.load(work_dir / "epoch_2.pth", map_location="cpu", weights_only=False)
        self.assertEqual((ckpt["meta"]["epoch"], ckpt["meta"]["iter"]), (2, 8))
        self.assertEqual(set(ckpt["state_dict"]), {"linear1.weight", "linear1.bias",
                                                   "linear2.weight", "linear2.bias"})
        for name, value in runner.model.state_dict().items():
            torch.testing.assert_close(ckpt["state_dict"][name], value)

    def test_resumes_where_the_checkpoint_left_off(self) -> None:
        cfg = copy.deepcopy(self.epoch_based_cfg)
        cfg.default_hooks = dict(checkpoint=dict(type="CheckpointHook", interval=1))
        self.build_runner(cfg).train()
        cfg = copy.deepcopy(self.epoch_based_cfg)
        cfg.train_cfg.max_epochs = 3
        cfg.load_from = os.path.join(self.temp_dir.name, "epoch_1.pth")
        cfg.resume = True
        cfg.custom_hooks = [dict(type="RecordingHook")]
        runner = self.build_runner(cfg)
        runner.train()
        self.assertEqual((runner.epoch, runner.iter), (3, 12))
        self.assertEqual(_recording_hook(runner).calls["after_train_iter"], 8)

    def test_scheduler_tweak_shows_in_the_logged_lr(self) -> None:
        cfg = copy.deepcopy(self.epoch_based_cfg)
        cfg.param_scheduler = dict(type="MultiStepLR", milestones=[1], gamma=0.1, by_epoch=True)
        runner = self.build_runner(cfg)
        runner.train()
        train_lines = [line for line in _scalars(runner) if "loss" in line]
        self.assertEqual(len(train_lines), 8)
        self.assertEqual([line["lr"] for line in train_lines],
                         pytest.approx([0.1] * 4 + [0.01] * 4))
        self.assertEqual([line["acc"] for line in _scalars(runner) if "acc" in line], [1, 1])

    def test_iteration_based_run_validates_every_val_interval(self) -> None:
        cfg = copy.deepcopy(self.iter_based_cfg)
        cfg.train_cfg = dict(by_epoch=False, max_iters=12, val_interval=4)
        cfg.custom_hooks = [dict(type="RecordingHook")]
        runner = self.build_runner(cfg)
        runner.train()
        self.assertEqual(runner.iter, 12)
        self.assertEqual(_recording_hook(runner).calls["after_val_epoch"], 3)
        self.assertTrue(os.path.isfile(os.path.join(self.temp_dir.name, "iter_12.pth")))
        with open(os.path.join(runner.log_dir, f"{runner.timestamp}.log")) as log:
            text = log.read()
        self.assertIn("Iter(train) [12/12]", text)
        self.assertIn("Iter(val) [4/4]", text)
