"""Checkpoints written by mmengine's and mmlight's Runner for the same seeded run.

Same files, same keys, same tensors; each library reads the other's files: mmengine's
``load_checkpoint`` takes mmlight's weights, mmlight's ``Runner.resume`` takes a whole
mmengine checkpoint (history buffers, numpy scalars and all) without unpickling code.
"""

from __future__ import annotations

import copy
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from tests.parity.conftest import library, toy_metric_class, toy_model_class

mmengine = pytest.importorskip("mmengine")


class ToySet(Dataset):
    def __init__(self, size: int = 16, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.x = torch.randn(size, 4, generator=generator)
        self.y = torch.randint(0, 3, (size,), generator=generator)
        self.metainfo = dict(classes=("a", "b", "c"))

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], data_samples=int(self.y[index]))


def _library(name: str) -> dict[str, Any]:
    lib = library(name)
    model = toy_model_class(lib.BaseModel, "CkptParityModel", hidden=8, middle="norm")
    lib.MODELS.register_module(name="CkptParityModel", module=model, force=True)
    metric = toy_metric_class(lib.BaseMetric, "CkptParityAcc")
    return dict(Runner=lib.Runner, Metric=metric, Model=model, load_checkpoint=lib.load_checkpoint)


def _config(work_dir: Path, lib: dict, max_epochs: int = 3, **extra: Any) -> dict:
    cfg = dict(
        model=dict(type="CkptParityModel"),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=ToySet(16), sampler=dict(type="DefaultSampler",
                              shuffle=True), batch_size=4, num_workers=0),
        val_dataloader=dict(dataset=ToySet(8, 1), sampler=dict(type="DefaultSampler",
                            shuffle=False), batch_size=4, num_workers=0),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
        val_cfg=dict(),
        val_evaluator=[lib["Metric"]()],
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9,
                                          weight_decay=1e-4)),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.2, by_epoch=False, begin=0, end=4),
            dict(type="MultiStepLR", milestones=[2], by_epoch=True, gamma=0.5),
        ],
        default_hooks=dict(logger=None, checkpoint=dict(
            type="CheckpointHook", interval=1, max_keep_ckpts=2, save_best="auto")),
        randomness=dict(seed=2024),
        log_level="WARNING",
        experiment_name=f"ckpt_parity_{uuid.uuid4().hex[:6]}",
    )
    cfg.update(extra)
    return cfg


def _train(tmp_path: Path, name: str) -> tuple[Any, Path]:
    lib = _library(name)
    work_dir = tmp_path / name
    runner = lib["Runner"](**copy.copy(_config(work_dir, lib)))
    runner.train()
    return runner, work_dir


def _load_any(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)  # test-made, trusted


def _assert_nested_equal(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, torch.Tensor):
        torch.testing.assert_close(actual, expected, atol=1e-5, rtol=0, msg=where)
    elif isinstance(expected, dict):
        assert set(actual) == set(expected), where
        for key in expected:
            _assert_nested_equal(actual[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), where
        for index, (a, e) in enumerate(zip(actual, expected)):
            _assert_nested_equal(a, e, f"{where}[{index}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, abs=1e-6), where
    else:
        assert actual == expected, where


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("ckpt_parity")
    engine_runner, engine_dir = _train(tmp_path, "mmengine")
    light_runner, light_dir = _train(tmp_path, "mmlight")
    return dict(engine=(engine_runner, engine_dir), light=(light_runner, light_dir))


def test_same_files_and_layout(trained: dict[str, Any]) -> None:
    _, engine_dir = trained["engine"]
    _, light_dir = trained["light"]

    def files(directory: Path) -> list[str]:
        return sorted(p.name for p in directory.iterdir() if p.is_file() and p.suffix == ".pth")

    assert files(light_dir) == files(engine_dir)
    assert os.path.basename((light_dir / "last_checkpoint").read_text()) == os.path.basename(
        (engine_dir / "last_checkpoint").read_text())

    for name in files(engine_dir):
        expected = _load_any(engine_dir / name)
        actual = torch.load(light_dir / name, weights_only=True)
        assert set(actual) - set(expected) == {"rng_states"}, name
        assert set(expected) <= set(actual), name
        assert set(actual["meta"]) == set(expected["meta"]), name
        for key in ("epoch", "iter", "seed", "dataset_meta"):
            assert actual["meta"][key] == expected["meta"][key], (name, key)
        assert list(actual["state_dict"]) == list(expected["state_dict"]), name
        _assert_nested_equal(actual["state_dict"], expected["state_dict"], f"{name} state_dict")
        if "optimizer" in expected:
            _assert_nested_equal(actual["optimizer"], expected["optimizer"], f"{name} optimizer")
        if "param_schedulers" in expected:
            _assert_nested_equal(actual["param_schedulers"], expected["param_schedulers"],
                                 f"{name} param_schedulers")
        assert set(actual["message_hub"]) == set(expected["message_hub"])
        assert set(actual["message_hub"]["log_scalars"]) == set(
            expected["message_hub"]["log_scalars"])
        engine_info = expected["message_hub"]["runtime_info"]
        light_info = actual["message_hub"]["runtime_info"]
        for key in ("epoch", "iter", "max_epochs", "max_iters", "keep_ckpt_ids", "best_score"):
            assert (key in light_info) == (key in engine_info), (name, key)
            if key in engine_info:
                assert light_info[key] == pytest.approx(engine_info[key]), (name, key)


def test_mmengine_load_checkpoint_reads_mmlight_weights(trained: dict[str, Any]) -> None:
    light_runner, light_dir = trained["light"]
    engine = _library("mmengine")
    model = engine["Model"]()
    engine["load_checkpoint"](model, str(light_dir / "epoch_3.pth"), map_location="cpu")
    for key, value in light_runner.model.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value)


def test_mmlight_resumes_mmengine_checkpoint(trained: dict[str, Any], tmp_path: Path) -> None:
    engine_runner, engine_dir = trained["engine"]
    light = _library("mmlight")
    runner = light["Runner"](**_config(tmp_path / "resumed", light, max_epochs=4,
                                       default_hooks=dict(logger=None, checkpoint=None)))
    # what Runner.train() builds before load_or_resume
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.param_schedulers = runner.build_param_scheduler(runner.param_schedulers)
    path = engine_dir / "epoch_3.pth"
    expected = _load_any(path)
    from mmlight.runner.rng_state import capture_rng_state

    before = capture_rng_state()["torch"]
    runner.resume(str(path))
    assert torch.equal(capture_rng_state()["torch"], before)
    assert (runner.epoch, runner.iter) == (expected["meta"]["epoch"], expected["meta"]["iter"])
    for key, value in engine_runner.model.state_dict().items():
        torch.testing.assert_close(runner.model.state_dict()[key], value)
    _assert_nested_equal(runner.optim_wrapper.state_dict(), expected["optimizer"], "optimizer")
    for scheduler, state in zip(runner.param_schedulers, expected["param_schedulers"]):
        assert scheduler.last_step == state["last_step"]
    loss = runner.message_hub.get_scalar("train/loss")
    engine_loss = engine_runner.message_hub.get_scalar("train/loss")
    assert loss.data[0].tolist() == pytest.approx(engine_loss.data[0].tolist())
    assert runner.message_hub.get_info("best_score") == pytest.approx(
        engine_runner.message_hub.get_info("best_score"))
    assert runner._pending_rng_state is None  # mmengine saves no RNG states


def test_mmengine_one_cycle_state_loads_safely(tmp_path: Path) -> None:
    from mmengine.optim import OneCycleLR as EngineOneCycle

    from mmlight.optim import OneCycleLR
    from mmlight.runner.checkpoint import _load_checkpoint

    def optimizer() -> torch.optim.Optimizer:
        return torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, momentum=0.9)

    engine = EngineOneCycle(optimizer(), eta_max=0.5, total_steps=10,
                            anneal_strategy="linear")
    engine.step()
    torch.save({"param_schedulers": [engine.state_dict()]}, tmp_path / "one_cycle.pth")
    loaded = _load_checkpoint(str(tmp_path / "one_cycle.pth"))
    ours = OneCycleLR(optimizer(), eta_max=0.5, total_steps=10)
    ours.load_state_dict(loaded["param_schedulers"][0])
    assert ours.anneal_strategy == "linear" and ours.last_step == engine.last_step
