"""RunnerTestCase: its configs train mmlight's Runner, and it cleans up after itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("torch")

from mmlight.config import Config
from mmlight.logging import MessageHub, MMLogger
from mmlight.registry import DATASETS, METRICS, MODELS, DefaultScope
from mmlight.testing import RunnerTestCase
from mmlight.visualization import Visualizer

_DIST_KEYS = ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK")


class TestRunnerTestCase(RunnerTestCase):
    def test_configs_and_toys_are_ready(self) -> None:
        self.assertIsInstance(self.epoch_based_cfg, Config)
        self.assertIsInstance(self.iter_based_cfg, Config)
        self.assertEqual(self.iter_based_cfg.train_cfg, dict(by_epoch=False, max_iters=12))
        for registry, name in ((MODELS, "ToyModel"), (METRICS, "ToyMetric"),
                               (DATASETS, "ToyDataset")):
            self.assertIn(name, registry.module_dict)

    def test_runners_train_validate_and_test(self) -> None:
        for cfg, iters in ((self.epoch_based_cfg, 8), (self.iter_based_cfg, 12)):
            runner = self.build_runner(cfg)
            runner.train()
            self.assertEqual(runner.iter, iters)
            runner.val()
            runner.test()
        self.assertTrue(any(name.endswith(".pth") for name in os.listdir(self.temp_dir.name)))

    def test_each_runner_gets_its_own_experiment_name(self) -> None:
        first = self.build_runner(self.epoch_based_cfg)
        second = self.build_runner(self.epoch_based_cfg)
        self.assertNotEqual(first.experiment_name, second.experiment_name)

    def test_setup_dist_env_moves_to_a_new_port(self) -> None:
        saved = {key: os.environ.get(key) for key in _DIST_KEYS}
        self.addCleanup(_restore, saved)
        self.setup_dist_env()
        for key in _DIST_KEYS:
            self.assertEqual(os.environ[key], str(self.dist_cfg[key]))
        port = os.environ["MASTER_PORT"]
        self.setup_dist_env()
        self.assertEqual(int(os.environ["MASTER_PORT"]), int(port) + 1)

    def test_clear_work_dir(self) -> None:
        os.makedirs(os.path.join(self.temp_dir.name, "sub"))
        open(os.path.join(self.temp_dir.name, "file.txt"), "w").close()
        self.clear_work_dir()
        self.assertEqual(os.listdir(self.temp_dir.name), [])

    def test_teardown_destroys_the_process_group(self) -> None:
        import tempfile

        import torch.distributed as torch_dist

        from mmlight.dist import get_world_size, is_distributed

        store_dir = tempfile.mkdtemp()  # the store's file goes with the group
        self.addCleanup(shutil.rmtree, store_dir, ignore_errors=True)
        store = os.path.join(store_dir, "store")
        torch_dist.init_process_group("gloo", init_method=f"file://{store}", rank=0,
                                      world_size=1)
        self.assertTrue(is_distributed())
        self.assertEqual(get_world_size(), 1)
        RunnerTestCase.tearDown(self)  # unittest calls it once more: it must bear that
        self.assertFalse(is_distributed())

    def test_teardown_clears_global_state(self) -> None:
        self.build_runner(self.epoch_based_cfg)
        RunnerTestCase.tearDown(self)  # unittest calls it once more: it must bear that
        for manager in (MMLogger, MessageHub, Visualizer, DefaultScope):
            self.assertEqual(dict(manager._instance_dict), {})
        self.assertNotIn("ToyModel", MODELS.module_dict)


def _restore(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_importing_mmlight_testing_leaves_runner_test_case_for_later() -> None:
    code = ("import sys, mmlight.testing\n"
            "print('mmlight.testing.runner_test_case' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
