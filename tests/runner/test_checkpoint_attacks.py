"""No value read from a checkpoint is ever executed, imported or parsed as a config.

The checkpoints here are plain data (they load with a bare ``torch.load(weights_only=True)``
and pass ``check_checkpoint_safe``); their strings carry Python code, ``{{...}}`` templates,
dotted names and ``custom_imports`` requests. Every Runner entry point loads them, and a run
resumed from one trains to its end; a marker file proves nothing ran. (The command-line entry
points are driven in tests/cli/test_unsafe_load.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from mmlight.runner import Runner
from mmlight.runner.checkpoint import check_checkpoint_safe, load_checkpoint
from tests.runner.checkpoint_poison import PROBE_MODULE, plant_probe_module, poison
from tests.runner.test_runner_checkpoint import ToyModel, make_runner


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real one-epoch checkpoint (weights, optimizer, schedulers, message hub, RNG)."""
    work = tmp_path_factory.mktemp("trained")
    make_runner(work, train_cfg=dict(by_epoch=True, max_epochs=1)).train()
    return work / "epoch_1.pth"


@pytest.fixture()
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file a payload would create; the probe module is importable while the test runs."""
    path = tmp_path / "PWNED"
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    plant_probe_module(probe_dir, path)
    monkeypatch.syspath_prepend(str(probe_dir))
    yield path
    sys.modules.pop(PROBE_MODULE, None)


def _write(trained: Path, target: Path, marker: Path, everywhere: bool) -> Path:
    checkpoint = torch.load(trained, weights_only=True)
    torch.save(poison(checkpoint, marker, everywhere=everywhere), target)
    assert check_checkpoint_safe(target) == []  # nothing for the allow-list to refuse
    torch.load(target, weights_only=True)  # and no allow-list needed at all
    return target


def _built(runner: Runner) -> Runner:
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    runner.param_schedulers = runner.build_param_scheduler(runner.param_schedulers)
    return runner


def test_meta_config_is_never_executed_on_resume(
    trained: Path, tmp_path: Path, marker: Path
) -> None:
    """mmcv checkpoints keep their config text in meta['config']; resume reads gpu_ids from it
    without running it (it used to go through Config.fromstring(..., '.py'))."""
    evil = _write(trained, tmp_path / "config.pth", marker, everywhere=False)
    runner = _built(make_runner(tmp_path / "w", train_cfg=dict(by_epoch=True, max_epochs=2)))
    runner.resume(str(evil))
    assert (runner.epoch, runner.iter) == (1, 2)
    assert not marker.exists()


def test_gpu_ids_are_read_without_running_the_config(tmp_path: Path) -> None:
    from mmlight.runner.runner_checkpoint import gpu_ids_in_config

    assert gpu_ids_in_config("gpu_ids = range(0, 4)\nx = 1\n") == 4
    assert gpu_ids_in_config("gpu_ids = [0, 1]\n") == 2
    assert gpu_ids_in_config("model = dict(type='X')\n") is None
    assert gpu_ids_in_config("gpu_ids = list(range(__import__('os').getpid()))") is None
    assert gpu_ids_in_config("if True:\n    gpu_ids = [0]\n") is None  # top level only
    assert gpu_ids_in_config("gpu_ids = range(0, 10**12)") is None  # not a literal
    assert gpu_ids_in_config("def (") is None
    assert gpu_ids_in_config("(" * 5000) is None  # too deep for the parser: ignored


def test_gpu_count_check_still_refuses_a_different_world_size(
    trained: Path, tmp_path: Path
) -> None:
    checkpoint = torch.load(trained, weights_only=True)
    checkpoint["meta"]["config"] = "gpu_ids = range(0, 8)\n"
    torch.save(checkpoint, tmp_path / "eight.pth")
    runner = _built(make_runner(tmp_path / "w"))
    with pytest.raises(RuntimeError, match="trained on 8 GPUs and this run has 1 processes"):
        runner.resume(str(tmp_path / "eight.pth"))


def test_code_in_every_string_field_never_runs(
    trained: Path, tmp_path: Path, marker: Path
) -> None:
    """resume, load_from, auto resume through last_checkpoint (training on to the end, with an
    EMAHook and a CheckpointHook that read the resumed state) and load_checkpoint."""
    evil = _write(trained, tmp_path / "evil.pth", marker, everywhere=True)

    resumed = _built(make_runner(tmp_path / "a", train_cfg=dict(by_epoch=True, max_epochs=2)))
    resumed.resume(str(evil))
    assert resumed.experiment_name != f"{PROBE_MODULE}.touch"
    assert not hasattr(resumed.param_schedulers[0], "custom_imports")  # no injected names
    assert resumed.message_hub.get_info("pwn_4") == PROBE_MODULE  # data stays data
    assert not marker.exists()

    loaded = make_runner(tmp_path / "b", load_from=str(evil),
                         default_hooks=dict(logger=None, checkpoint=None))
    loaded._train_loop = loaded.build_train_loop(loaded._train_loop)
    loaded.load_or_resume()
    assert loaded._has_loaded and not marker.exists()

    work = tmp_path / "c"
    work.mkdir()
    (work / "last_checkpoint").write_text(str(evil))
    auto = make_runner(work, resume=True, train_cfg=dict(by_epoch=True, max_epochs=2),
                       custom_hooks=[dict(type="EMAHook")])
    auto.train()
    assert auto.epoch == 2 and (work / "epoch_2.pth").exists()
    assert not marker.exists()

    model = ToyModel()
    checkpoint: Any = load_checkpoint(model, str(evil))
    assert checkpoint["meta"]["experiment_name"] == f"{PROBE_MODULE}.touch"
    assert not marker.exists()
    assert PROBE_MODULE not in sys.modules
