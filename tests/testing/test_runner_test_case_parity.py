"""mmlight's RunnerTestCase against mmengine's: the same configs, and the same training run.

Both fixtures' toy runs are trained on the same data with the same seed; the logged losses,
the final weights and the hook calls must agree.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

pytest.importorskip("torch")
pytest.importorskip("mmengine.testing")

import mmengine.testing as engine_testing
import torch

from mmlight.testing import RunnerTestCase

_HOOK_POINTS = ("before_run", "before_train", "before_train_epoch", "after_train_iter",
                "after_train_epoch", "before_val_epoch", "after_val_iter", "after_val_epoch",
                "after_train", "after_run", "before_save_checkpoint")


def _recording_hook_class(base: type) -> type:
    """A hook (subclass of ``base``, the framework's ``Hook``) that counts its calls."""

    def make(point: str) -> Any:
        def record(self: Any, runner: Any, *args: Any, **kwargs: Any) -> None:
            self.calls[point] = self.calls.get(point, 0) + 1
        return record

    def init(self: Any) -> None:
        self.calls = {}

    namespace: dict[str, Any] = {point: make(point) for point in _HOOK_POINTS}
    namespace["__init__"] = init
    return type("ParityRecordingHook", (base,), namespace)


class _Run(RunnerTestCase):
    __test__ = False  # a fixture to drive by hand
    def runTest(self) -> None:  # a method to instantiate the fixture with
        pass


def _engine_fixture() -> Any:
    base: Any = engine_testing.RunnerTestCase

    class EngineRun(base):
        def runTest(self) -> None:
            pass

    return EngineRun()


def _train(fixture: Any, hook_base: type, registry: Any, data: torch.Tensor) -> dict[str, Any]:
    fixture.setUp()
    dataset_class = registry["datasets"].get("ToyDataset")
    registry["hooks"].register_module(module=_recording_hook_class(hook_base), force=True)
    try:
        with mock.patch.object(dataset_class, "data", data):
            cfg = copy.deepcopy(fixture.epoch_based_cfg)
            cfg.randomness = dict(seed=2024)
            cfg.default_hooks = dict(logger=dict(type="LoggerHook", interval=1),
                                     checkpoint=dict(type="CheckpointHook", interval=1))
            cfg.custom_hooks = [dict(type="ParityRecordingHook")]
            runner = fixture.build_runner(cfg)
            runner.train()
            hook = next(h for h in runner.hooks if type(h).__name__ == "ParityRecordingHook")
            with open(Path(runner.log_dir) / "vis_data" / "scalars.json") as lines:
                logged = [json.loads(line) for line in lines]
            return dict(
                losses=[line["loss"] for line in logged if "loss" in line],
                acc=[line["acc"] for line in logged if "acc" in line],
                state={k: v.clone() for k, v in runner.model.state_dict().items()},
                calls=dict(hook.calls),
                files=sorted(p.name for p in Path(fixture.temp_dir.name).glob("*.pth")),
                position=(runner.epoch, runner.iter),
            )
    finally:
        registry["hooks"].module_dict.pop("ParityRecordingHook", None)
        fixture.tearDown()


def test_the_configs_are_mmengine_s() -> None:
    ours, theirs = _Run(), _engine_fixture()
    for fixture in (ours, theirs):
        fixture.setUp()
        fixture.addCleanup(fixture.tearDown)
    try:
        for name in ("epoch_based_cfg", "iter_based_cfg"):
            mine = getattr(ours, name).to_dict()
            engine = getattr(theirs, name).to_dict()
            mine.pop("work_dir"), engine.pop("work_dir")
            assert mine.pop("nonfinite_loss") == "warn"  # mmengine's behaviour on the toy loss
            assert mine == engine
        assert ours.dist_cfg.keys() == theirs.dist_cfg.keys()
    finally:
        ours.doCleanups()
        theirs.doCleanups()


def test_the_toy_run_trains_like_mmengine_s() -> None:
    import mmengine.hooks
    import mmengine.registry

    import mmlight.hooks
    import mmlight.registry

    data = torch.linspace(-1.0, 1.0, 24).reshape(12, 2)
    ours = _train(_Run(), mmlight.hooks.Hook,
                  dict(datasets=mmlight.registry.DATASETS, hooks=mmlight.registry.HOOKS), data)
    theirs = _train(_engine_fixture(), mmengine.hooks.Hook,
                    dict(datasets=mmengine.registry.DATASETS, hooks=mmengine.registry.HOOKS),
                    data)
    assert ours["calls"] == theirs["calls"]
    assert ours["files"] == theirs["files"] == ["epoch_1.pth", "epoch_2.pth"]
    assert ours["position"] == theirs["position"] == (2, 8)
    assert ours["acc"] == theirs["acc"] == [1, 1]
    assert ours["losses"] == pytest.approx(theirs["losses"], rel=1e-5)
    assert ours["state"].keys() == theirs["state"].keys()
    for name, value in ours["state"].items():
        torch.testing.assert_close(value, theirs["state"][name], rtol=1e-5, atol=1e-6)
