"""Hooks through the bridge: an mmengine ``Hook`` subclass, given as an object or as a config
whose type resolves to one, runs on mmlight's Runner at its priority and at every mount point,
in the order mmengine's Runner calls them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import mmengine.hooks as engine_hooks
import mmengine.registry as engine_registry
import pytest
import torch
from mmengine.runner.priority import Priority as EnginePriority

from mmlight import bridge
from mmlight.hooks import MOUNT_POINTS
from mmlight.hooks import Hook as MmlightHook
from mmlight.hooks.hook_bases import is_hook
from tests.parity.conftest import (
    ToyDataset,
    library,
    toy_dataloaders,
    toy_metric_class,
    toy_model_class,
)

pytestmark = pytest.mark.interop

_names = itertools.count()


def _recording(base: type, name: str) -> type:
    """A hook on ``base`` recording (label, mount point, epoch, iter, batch_idx) at all 22."""

    def make(point: str) -> Any:
        def method(self: Any, runner: Any, *args: Any, **kwargs: Any) -> None:
            self.log.append((self.label, point, runner.epoch, runner.iter, kwargs.get("batch_idx")))

        method.__name__ = point
        return method

    namespace: dict[str, Any] = {point: make(point) for point in MOUNT_POINTS}

    def __init__(self: Any, label: str, log: list) -> None:
        self.label = label
        self.log = log

    namespace["__init__"] = __init__
    return type(name, (base,), namespace)


class GenericModesHook(engine_hooks.Hook):
    """Overrides only mmengine's mode-generic methods: reached through the base's forwarding."""

    priority = EnginePriority.VERY_LOW  # mmengine's enum, not mmlight's

    def __init__(self, log: list) -> None:
        self.log = log

    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        self.log.append(("generic", f"before_{mode}_epoch", runner.epoch, runner.iter, None))

    def _after_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None,
        mode: str = "train",
    ) -> None:
        self.log.append(("generic", f"after_{mode}_iter", runner.epoch, runner.iter, batch_idx))


@pytest.fixture
def engine_recorder() -> Iterator[str]:
    """An mmengine Hook subclass registered in mmengine's root HOOKS under a fresh name."""
    name = f"EngineRecorderHook{next(_names)}"
    engine_registry.HOOKS.register_module(
        name=name, module=_recording(engine_hooks.Hook, name)
    )
    yield name
    engine_registry.HOOKS._module_dict.pop(name, None)


def _run(lib_name: str, tmp_path: Path, recorder: str, extra_hooks: list) -> list:
    """Train (with checkpoints), test, then test again from the checkpoint; the hook log."""
    if lib_name == "mmengine":
        # mmengine 0.10.7 calls torch.load without weights_only; under torch >= 2.6 its own
        # checkpoints then fail to load. This one is made by the test: trusted.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(torch, "load", partial(torch.load, weights_only=False))
            return _run_stages(lib_name, tmp_path, recorder, extra_hooks)
    return _run_stages(lib_name, tmp_path, recorder, extra_hooks)


def _run_stages(lib_name: str, tmp_path: Path, recorder: str, extra_hooks: list) -> list:
    lib = library(lib_name)
    model = toy_model_class(lib.BaseModel, "BridgeHookModel")
    lib.MODELS.register_module(name="BridgeHookModel", module=model, force=True)
    metric = toy_metric_class(lib.BaseMetric, "BridgeHookAccuracy")
    log: list = []
    recorder_cls = engine_registry.HOOKS.get(recorder)
    hooks = [
        recorder_cls("object", log),  # NORMAL
        dict(type=recorder, label="config-high", log=log, priority="HIGH"),
        GenericModesHook(log),
        *[factory(log) for factory in extra_hooks],
    ]
    common = dict(
        model=dict(type="BridgeHookModel"),
        **toy_dataloaders(partial(ToyDataset, noise=1.5), iter_based=False),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05)),
        val_evaluator=[metric()],
        test_evaluator=[metric()],
        default_hooks=dict(
            logger=None,
            checkpoint=dict(type="CheckpointHook", interval=1),
            recorder=dict(type=recorder, label="default-low", log=log, priority="LOW"),
        ),
        custom_hooks=hooks,
        randomness=dict(seed=7),
    )
    work_dir = tmp_path / lib_name
    runner = lib.Runner(work_dir=str(work_dir), experiment_name=f"hooks_{lib_name}", **common)
    runner.train()
    runner.test()
    common["custom_hooks"] = [recorder_cls("reloaded", log)]
    # mmengine's register_hook pops 'priority' from the config dict it is given: a fresh one
    common["default_hooks"] = dict(
        common["default_hooks"],
        recorder=dict(type=recorder, label="default-low", log=log, priority="LOW"),
    )
    reloaded = lib.Runner(
        work_dir=str(work_dir / "reload"),
        load_from=str(work_dir / "epoch_2.pth"),
        experiment_name=f"hooks_{lib_name}_reload",
        **common,
    )
    reloaded.test()
    return log


def test_mmengine_hooks_run_as_under_mmengines_runner(tmp_path: Path, engine_recorder: str) -> None:
    expected = _run("mmengine", tmp_path, engine_recorder, [])
    actual = _run("mmlight", tmp_path, engine_recorder, [])

    assert actual == expected
    assert {entry[0] for entry in actual} == {
        "object", "config-high", "default-low", "generic", "reloaded",
    }
    points = {entry[1] for entry in actual if entry[0] in ("object", "reloaded")}
    assert points == set(MOUNT_POINTS)  # all 22, checkpoint ones included
    # the config's priority='HIGH' puts it before the NORMAL object, at every mount point
    first = next(entry for entry in actual if entry[1] == "before_train_iter")
    assert first[0] == "config-high"
    assert ("generic", "after_val_iter", 1, 5, 0) in actual


def test_mmengine_hooks_keep_their_place_among_mmlights(
    tmp_path: Path, engine_recorder: str
) -> None:
    mmlight_recorder = _recording(MmlightHook, "MmlightRecorderHook")

    def above_normal(log: list) -> Any:
        hook = mmlight_recorder("mmlight-above-normal", log)
        hook.priority = "ABOVE_NORMAL"
        return hook

    def lowest(log: list) -> Any:
        hook = mmlight_recorder("mmlight-lowest", log)
        hook.priority = "LOWEST"
        return hook

    log = _run("mmlight", tmp_path, engine_recorder, [lowest, above_normal])

    at_one_point = [entry[0] for entry in log if entry[1] == "before_train_epoch"][:6]
    # HIGH (30), ABOVE_NORMAL (40), NORMAL (50), LOW (70), VERY_LOW (90: mmengine's Priority),
    # LOWEST
    assert at_one_point == [
        "config-high", "mmlight-above-normal", "object", "default-low", "generic",
        "mmlight-lowest",
    ]


def test_an_mmengine_hook_object_is_accepted_only_with_the_bridge(
    engine_recorder: str,
) -> None:
    hook = engine_registry.HOOKS.get(engine_recorder)("x", [])
    assert is_hook(hook)
    bridge.deactivate()
    try:
        assert not is_hook(hook)
    finally:
        bridge.activate()
    assert is_hook(hook)
