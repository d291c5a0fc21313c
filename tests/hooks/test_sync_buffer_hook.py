"""SyncBuffersHook: a no-op in one process, buffer averaging across real gloo processes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from mmlight.hooks import SyncBuffersHook


def _load_harness() -> Any:
    path = Path(__file__).parents[1] / "dist" / "gloo_harness.py"
    spec = importlib.util.spec_from_file_location("mmlight_tests_gloo_harness_hooks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _model(value: float) -> nn.Module:
    model = nn.BatchNorm1d(2)
    model.running_mean.fill_(value)
    return model


def test_single_process_leaves_buffers_alone() -> None:
    hook = SyncBuffersHook()
    assert hook.distributed is False
    runner = SimpleNamespace(model=_model(3.0))
    hook.after_train_epoch(runner)
    hook.before_val_epoch(runner)
    assert runner.model.running_mean.tolist() == [3.0, 3.0]
    assert hook.called_in_train is False
    assert SyncBuffersHook.priority == "NORMAL"


def worker(rank: int, world_size: int, workdir: Path) -> dict[str, list[float]]:
    """Runs in each gloo process: the hook was built before the process group existed."""
    hook = _HOOK_BUILT_AT_IMPORT
    runner = SimpleNamespace(model=_model(float(rank * 2)))  # rank 0: 0.0, rank 1: 2.0
    seen: dict[str, list[float]] = {}
    hook.after_train_epoch(runner)
    seen["after_train_epoch"] = runner.model.running_mean.tolist()
    # the validation right after a train epoch does not sync again
    runner.model.running_mean.fill_(float(rank * 10))
    hook.before_val_epoch(runner)
    seen["val_after_train"] = runner.model.running_mean.tolist()
    # an iteration-based loop validates without an epoch end first: sync there
    hook.before_val_epoch(runner)
    seen["val_alone"] = runner.model.running_mean.tolist()
    return seen


# Built when the worker module is loaded, i.e. before init_process_group: under Lightning the
# hooks exist before the strategy sets up the process group.
_HOOK_BUILT_AT_IMPORT = SyncBuffersHook()


def test_buffers_are_averaged_across_two_processes(tmp_path: Path) -> None:
    results = _load_harness().run_on_gloo(__file__, "worker", tmp_path)
    for seen in results:
        assert seen["after_train_epoch"] == [1.0, 1.0]
    assert [seen["val_after_train"] for seen in results] == [[0.0, 0.0], [10.0, 10.0]]
    for seen in results:
        assert seen["val_alone"] == [5.0, 5.0]
    assert torch.distributed.is_initialized() is False
