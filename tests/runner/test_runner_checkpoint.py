"""Runner.save_checkpoint / load_checkpoint / resume / load_or_resume on a tiny real run."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from mmlight.evaluator import BaseMetric
from mmlight.hooks import Hook
from mmlight.logging import HistoryBuffer
from mmlight.model import BaseModel
from mmlight.registry import MODELS
from mmlight.runner import Runner


class ToySet(Dataset):
    def __init__(self, size: int = 8, seed: int = 0, classes: tuple = ("a", "b")) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.x = torch.randn(size, 4, generator=generator)
        self.y = torch.randint(0, 2, (size,), generator=generator)
        self.metainfo = dict(classes=classes)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], data_samples=int(self.y[index]))


@MODELS.register_module(name="CkptRunnerToy", force=True)
class ToyModel(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.bn = nn.BatchNorm1d(2)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.bn(self.fc(torch.stack(inputs)))
        if mode == "loss":
            return dict(loss=F.cross_entropy(out, torch.tensor(data_samples)))
        if mode == "predict":
            return [dict(p=int(p), g=g) for p, g in zip(out.argmax(1), data_samples)]
        return out


class ToyAcc(BaseMetric):
    default_prefix = "toy"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(float(s["p"] == s["g"]) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(acc=sum(results) / len(results))


class CheckpointSpy(Hook):
    def __init__(self) -> None:
        self.saved: list[list[str]] = []
        self.loaded: list[list[str]] = []

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        self.saved.append(sorted(checkpoint))
        checkpoint["extra_from_hook"] = torch.arange(3)

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        self.loaded.append(sorted(checkpoint))


class Opaque:
    """A class outside the allow-list: loading it needs unsafe_load."""


def make_runner(work_dir: Path, **overrides: Any) -> Runner:
    cfg: dict[str, Any] = dict(
        model=dict(type="CkptRunnerToy"),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=ToySet(8), sampler=dict(type="DefaultSampler",
                              shuffle=True), batch_size=4),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=[dict(type="MultiStepLR", milestones=[1], gamma=0.5)],
        default_hooks=dict(logger=None, checkpoint=dict(type="CheckpointHook", interval=1)),
        randomness=dict(seed=7),
        log_level="WARNING",
        experiment_name=f"ckpt_{uuid.uuid4().hex[:6]}",
    )
    cfg.update(overrides)
    return Runner(**cfg)


def test_saved_layout_loads_with_plain_weights_only(tmp_path: Path) -> None:
    spy = CheckpointSpy()
    runner = make_runner(tmp_path / "w", custom_hooks=[spy])
    runner.train()
    runner.message_hub.update_info("np_value", np.float32(0.5))
    runner.message_hub.update_info("opaque", object())  # cannot be saved: left out, warned
    runner.save_checkpoint(str(tmp_path / "w"), "manual.pth", meta=dict(note="hi"))
    checkpoint = torch.load(tmp_path / "w" / "manual.pth", weights_only=True)
    assert list(checkpoint) == ["meta", "state_dict", "message_hub", "optimizer",
                                "param_schedulers", "rng_states", "extra_from_hook"]
    assert spy.saved[-1] == ["message_hub", "meta", "optimizer", "param_schedulers",
                             "rng_states", "state_dict"]
    meta = checkpoint["meta"]
    assert (meta["epoch"], meta["iter"]) == (3, 4)  # by_epoch: epoch + 1
    assert set(meta) == {"note", "epoch", "iter", "cfg", "seed", "experiment_name", "time",
                         "mmengine_version", "dataset_meta"}
    assert meta["seed"] == 7 and meta["dataset_meta"] == {"classes": ("a", "b")}
    assert list(checkpoint["state_dict"]) == list(runner.model.state_dict())
    hub = checkpoint["message_hub"]
    assert hub["runtime_info"]["np_value"] == 0.5 and "opaque" not in hub["runtime_info"]
    assert hub["log_scalars"]["train/loss"]["__mmlight_type__"] == "HistoryBuffer"
    assert len(checkpoint["rng_states"]) == 1 and set(checkpoint["rng_states"][0]) == {
        "python", "numpy", "torch", "cuda"}
    files = sorted(p.name for p in (tmp_path / "w").glob("*.pth"))
    assert files == ["epoch_1.pth", "epoch_2.pth", "manual.pth"]
    assert (tmp_path / "w" / "last_checkpoint").read_text() == str(tmp_path / "w" / "epoch_2.pth")


def test_by_iter_meta_and_no_schedulers(tmp_path: Path, caplog: Any) -> None:
    runner = make_runner(tmp_path / "w", param_scheduler=None,
                         default_hooks=dict(logger=None, checkpoint=None))
    runner.train()
    runner.save_checkpoint(str(tmp_path), "it.pth", by_epoch=False, save_optimizer=False)
    checkpoint = torch.load(tmp_path / "it.pth", weights_only=True)
    assert (checkpoint["meta"]["epoch"], checkpoint["meta"]["iter"]) == (2, 5)
    assert "optimizer" not in checkpoint and "param_schedulers" not in checkpoint
    with pytest.raises(TypeError, match="meta should be a dict"):
        runner.save_checkpoint(str(tmp_path), "x.pth", meta=[1])  # type: ignore[arg-type]


def test_resume_restores_everything_but_defers_rng(tmp_path: Path) -> None:
    first = make_runner(tmp_path / "w", train_cfg=dict(by_epoch=True, max_epochs=1))
    first.train()
    path = tmp_path / "w" / "epoch_1.pth"
    saved = torch.load(path, weights_only=True)

    spy = CheckpointSpy()
    second = make_runner(tmp_path / "w2", train_cfg=dict(by_epoch=True, max_epochs=3),
                         custom_hooks=[spy])
    second.optim_wrapper = second.build_optim_wrapper(second.optim_wrapper)
    second._train_loop = second.build_train_loop(second._train_loop)
    second.param_schedulers = second.build_param_scheduler(second.param_schedulers)
    torch_state = torch.get_rng_state()
    second.resume(str(path))
    assert torch.equal(torch.get_rng_state(), torch_state)  # not applied here
    assert spy.loaded and "rng_states" in spy.loaded[0]
    assert (second.epoch, second.iter) == (1, 2)
    for key, value in first.model.state_dict().items():
        torch.testing.assert_close(second.model.state_dict()[key], value)
    assert second.optim_wrapper.state_dict()["state"].keys() == saved["optimizer"]["state"].keys()
    torch.testing.assert_close(
        second.optim_wrapper.state_dict()["state"][0]["momentum_buffer"],
        saved["optimizer"]["state"][0]["momentum_buffer"],
    )
    assert second.param_schedulers[0].last_step == first.param_schedulers[0].last_step
    loss = second.message_hub.get_scalar("train/loss")
    assert isinstance(loss, HistoryBuffer)
    np.testing.assert_array_equal(loss.data[0], first.message_hub.get_scalar("train/loss").data[0])
    pending = second._pending_rng_state
    assert pending is not None and torch.equal(pending["torch"], saved["rng_states"][0]["torch"])


def test_resume_flags_seed_and_dataset_meta(tmp_path: Path, capsys: Any) -> None:
    first = make_runner(tmp_path / "w", train_cfg=dict(by_epoch=True, max_epochs=1))
    first.train()
    second = make_runner(
        tmp_path / "w2", randomness=dict(seed=99),
        train_dataloader=dict(dataset=ToySet(8, classes=("x",)), sampler=dict(
            type="DefaultSampler", shuffle=True), batch_size=4),
    )
    capsys.readouterr()
    second.resume(str(tmp_path / "w" / "epoch_1.pth"), resume_optimizer=False,
                  resume_param_scheduler=False)
    out = capsys.readouterr().out
    assert 'random seed in the checkpoint "7" is different' in out
    assert "dataset metainfo from the resumed checkpoint is different" in out
    assert second.seed == 7
    assert isinstance(second.optim_wrapper, dict)  # not built, so not resumed
    assert isinstance(second.param_schedulers, list) and isinstance(
        second.param_schedulers[0], dict)


def test_load_or_resume(tmp_path: Path) -> None:
    first = make_runner(tmp_path / "w", train_cfg=dict(by_epoch=True, max_epochs=2))
    first.train()
    # resume=True without load_from: the latest in work_dir; training continues from it
    resumed = make_runner(tmp_path / "w", resume=True,
                          train_cfg=dict(by_epoch=True, max_epochs=3))
    resumed.train()
    assert resumed.epoch == 3
    assert (tmp_path / "w" / "epoch_3.pth").exists()
    meta = torch.load(tmp_path / "w" / "epoch_3.pth", weights_only=True)["meta"]
    assert (meta["epoch"], meta["iter"]) == (3, 6)

    # load_from without resume: weights only, counters start at 0
    loaded = make_runner(tmp_path / "x", load_from=str(tmp_path / "w" / "epoch_1.pth"),
                         default_hooks=dict(logger=None, checkpoint=None),
                         train_cfg=dict(by_epoch=True, max_epochs=1))
    loaded._train_loop = loaded.build_train_loop(loaded._train_loop)
    loaded.load_or_resume()
    assert loaded._has_loaded and loaded.iter == 0
    # resume=True with nothing to resume from: starts from scratch
    fresh = make_runner(tmp_path / "empty", resume=True, train_cfg=dict(by_epoch=True,
                        max_epochs=1), default_hooks=dict(logger=None, checkpoint=None))
    fresh.train()
    assert fresh.epoch == 1


def test_resume_needs_meta(tmp_path: Path) -> None:
    torch.save({"state_dict": ToyModel().state_dict()}, tmp_path / "weights.pth")
    runner = make_runner(tmp_path / "w")
    with pytest.raises(KeyError, match=r"no meta\.epoch/meta\.iter"):
        runner.resume(str(tmp_path / "weights.pth"))


def test_memory_out_dir_and_resume_from_url(tmp_path: Path) -> None:
    out = f"memory://ckpt-runner-{uuid.uuid4().hex[:6]}"
    first = make_runner(tmp_path / "w", default_hooks=dict(
        logger=None, checkpoint=dict(type="CheckpointHook", interval=1, out_dir=out)))
    first.train()
    latest = (tmp_path / "w" / "last_checkpoint").read_text()
    assert latest == f"{out}/w/epoch_2.pth"
    second = make_runner(tmp_path / "w", resume=True, train_cfg=dict(by_epoch=True,
                         max_epochs=2), default_hooks=dict(logger=None, checkpoint=None))
    second._train_loop = second.build_train_loop(second._train_loop)
    second.load_or_resume()
    assert (second.epoch, second.iter) == (2, 4)


def test_unsafe_load_from_config(tmp_path: Path) -> None:
    from mmlight.config import Config

    torch.save({"state_dict": ToyModel().state_dict(), "x": Opaque()}, tmp_path / "o.pth")
    runner = make_runner(tmp_path / "w", default_hooks=dict(logger=None, checkpoint=None))
    with pytest.raises(Exception, match="unsafe_load=True"):
        runner.load_checkpoint(str(tmp_path / "o.pth"))
    runner.cfg = Config(dict(unsafe_load=True))
    with pytest.warns(UserWarning, match="unsafe_load"):
        runner.load_checkpoint(str(tmp_path / "o.pth"))


def test_val_alone_with_save_best(tmp_path: Path) -> None:
    runner = make_runner(
        tmp_path / "w",
        val_dataloader=dict(dataset=ToySet(4, 1), sampler=dict(type="DefaultSampler",
                            shuffle=False), batch_size=4),
        val_cfg=dict(), val_evaluator=[ToyAcc()],
        default_hooks=dict(logger=None, checkpoint=dict(type="CheckpointHook",
                           save_best="auto")),
    )
    runner.val()
    assert not list((tmp_path / "w").glob("*.pth"))
