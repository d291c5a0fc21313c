"""A stage whose dataloader yields no batch is refused before it starts, naming the loader's
key and the numbers (issue 12, item 5)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler, IterableDataset

from mmlight.config import ConfigError
from mmlight.evaluator import BaseMetric, Evaluator
from mmlight.hooks import Hook
from mmlight.runner import Runner
from mmlight.runner.data_checks import EmptyDataloaderError, require_batches
from tests.runner.tiny_regressor import TinyRegressor


def _samples(n: int) -> Any:  # a list serves as a map-style dataset
    return [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(n)]


# ---------------------------------------------------------------- require_batches itself
def test_empty_dataset_names_key_and_numbers() -> None:
    with pytest.raises(
        EmptyDataloaderError,
        match=r"^train_dataloader yields no batch \(dataset length 0, batch_size 4, "
        r"drop_last=False -> 0 batches\), so the stage would run nothing; the dataset \(list\) "
        r"is empty: check train_dataloader\.dataset \(data_root, ann_file, filters\)$",
    ):
        require_batches(DataLoader(_samples(0), batch_size=4), "train_dataloader")


def test_drop_last_with_batch_larger_than_dataset() -> None:
    with pytest.raises(
        EmptyDataloaderError,
        match=r"^val_dataloader yields no batch \(dataset length 3, batch_size 4, "
        r"drop_last=True -> 0 batches\).*drop_last=True drops the only, incomplete batch: use a "
        r"batch_size of at most 3 or set val_dataloader\.drop_last=False$",
    ):
        require_batches(DataLoader(_samples(3), batch_size=4, drop_last=True), "val_dataloader")


def test_ddp_names_the_share_of_this_process() -> None:
    sampler: DistributedSampler = DistributedSampler(
        _samples(3), num_replicas=2, rank=1, shuffle=False
    )
    loader = DataLoader(_samples(3), batch_size=4, drop_last=True, sampler=sampler)
    with pytest.raises(
        EmptyDataloaderError,
        match=r"dataset length 3, batch_size 4, drop_last=True, 2 processes, this one with 2 "
        r"samples -> 0 batches\).*use a batch_size of at most 2 or set "
        r"train_dataloader\.drop_last=False",
    ):
        require_batches(loader, "train_dataloader", world_size=2)


def test_a_loader_with_a_batch_passes() -> None:
    require_batches(DataLoader(_samples(4), batch_size=4, drop_last=True), "train_dataloader")
    require_batches(DataLoader(_samples(1), batch_size=4), "train_dataloader")


class _Stream(IterableDataset):
    def __iter__(self) -> Any:
        return iter(())


def test_a_loader_without_length_is_not_checked() -> None:
    require_batches(DataLoader(_Stream(), batch_size=4), "train_dataloader")


def test_is_a_config_error() -> None:
    assert issubclass(EmptyDataloaderError, ConfigError)  # exit 2 in the CLIs


# ---------------------------------------------------------------- through the Runner
class Count(BaseMetric):
    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(count=len(results))


class Calls(Hook):
    """Records every mount point that fires."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def before_run(self, runner: Any) -> None:
        self.calls.append("before_run")

    def before_train(self, runner: Any) -> None:
        self.calls.append("before_train")

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        self.calls.append("after_train_iter")

    def before_val(self, runner: Any) -> None:
        self.calls.append("before_val")

    def before_test(self, runner: Any) -> None:
        self.calls.append("before_test")


def _loader(n: int, batch_size: int = 4, drop_last: bool = False,
            sampler: str = "DefaultSampler") -> dict:
    return dict(dataset=_samples(n), sampler=dict(type=sampler, shuffle=False),
                batch_size=batch_size, drop_last=drop_last)


def _runner(work_dir: Path, train: dict | None = None, train_cfg: dict | None = None,
            val: dict | None = None, test: dict | None = None) -> tuple[Runner, Calls]:
    calls = Calls()
    runner = Runner(
        model=TinyRegressor(),
        work_dir=str(work_dir),
        train_dataloader=train,
        train_cfg=train_cfg if train is not None else None,
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)) if train is not None else None,
        val_dataloader=val,
        val_cfg=dict() if val is not None else None,
        val_evaluator=Evaluator(Count()) if val is not None else None,
        test_dataloader=test,
        test_cfg=dict() if test is not None else None,
        test_evaluator=Evaluator(Count()) if test is not None else None,
        default_hooks=dict(logger=None, checkpoint=dict(type="CheckpointHook", interval=1)),
        custom_hooks=[calls],
        randomness=dict(seed=0),
        experiment_name=f"data_checks_{uuid.uuid4().hex}",
    )
    return runner, calls


def _weights(runner: Runner) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


EPOCHS = dict(by_epoch=True, max_epochs=2)
ITERS = dict(by_epoch=False, max_iters=5, val_interval=2)

TRAIN_CASES = [
    ("epoch-empty", _loader(0), EPOCHS, r"dataset length 0, batch_size 4, drop_last=False"),
    ("iter-empty", _loader(0, sampler="InfiniteSampler"), ITERS,
     r"dataset length 0, batch_size 4, drop_last=False"),
    ("epoch-drop-last", _loader(3, drop_last=True), EPOCHS,
     r"dataset length 3, batch_size 4, drop_last=True -> 0 batches.*at most 3"),
    ("iter-drop-last", _loader(3, drop_last=True), ITERS,
     r"dataset length 3, batch_size 4, drop_last=True -> 0 batches.*at most 3"),
]


@pytest.mark.parametrize(("loader", "train_cfg", "numbers"), [c[1:] for c in TRAIN_CASES],
                         ids=[c[0] for c in TRAIN_CASES])
def test_train_refuses_before_any_hook_or_iteration(
    tmp_path: Path, loader: dict, train_cfg: dict, numbers: str
) -> None:
    runner, calls = _runner(tmp_path, train=loader, train_cfg=train_cfg)
    before = _weights(runner)
    with pytest.raises(EmptyDataloaderError,
                       match=r"^train_dataloader yields no batch \(" + numbers):
        runner.train()
    assert calls.calls == []  # not even before_run
    assert all(torch.equal(before[k], v) for k, v in runner.model.state_dict().items())
    assert not list(tmp_path.rglob("*.pth"))
    assert not (tmp_path / "last_checkpoint").exists()


def test_train_refuses_an_empty_val_loader_before_training(tmp_path: Path) -> None:
    runner, calls = _runner(tmp_path, train=_loader(8), train_cfg=EPOCHS, val=_loader(0))
    with pytest.raises(EmptyDataloaderError, match=r"^val_dataloader yields no batch \(dataset "
                       r"length 0.*check val_dataloader\.dataset"):
        runner.train()
    assert calls.calls == []
    assert not list(tmp_path.rglob("*.pth"))


def test_val_and_test_refuse_an_empty_loader(tmp_path: Path) -> None:
    runner, calls = _runner(tmp_path, val=_loader(3, drop_last=True), test=_loader(0))
    with pytest.raises(EmptyDataloaderError, match=r"^val_dataloader yields no batch \(dataset "
                       r"length 3, batch_size 4, drop_last=True -> 0 batches\)"):
        runner.val()
    with pytest.raises(EmptyDataloaderError, match=r"^test_dataloader yields no batch \(dataset "
                       r"length 0, batch_size 4, drop_last=False -> 0 batches\)"):
        runner.test()
    assert calls.calls == []


def test_an_endless_sampler_wraps_around_a_dataset_smaller_than_a_batch(tmp_path: Path) -> None:
    """len() is 0, but InfiniteSampler's batches wrap around: it trains, as in MMEngine."""
    runner, calls = _runner(tmp_path, train=_loader(3, drop_last=True, sampler="InfiniteSampler"),
                            train_cfg=ITERS)
    runner.train()
    assert runner.iter == 5
    assert calls.calls.count("after_train_iter") == 5


def test_an_endless_sampler_over_an_empty_dataset_is_refused() -> None:
    from mmlight.dataset import InfiniteSampler

    sampler = InfiniteSampler(_samples(0), shuffle=False)
    with pytest.raises(EmptyDataloaderError, match=r"dataset length 0, batch_size 4"):
        require_batches(DataLoader(_samples(0), batch_size=4, sampler=sampler), "train_dataloader")


def test_a_loader_with_one_batch_trains(tmp_path: Path) -> None:
    runner, calls = _runner(tmp_path, train=_loader(3, batch_size=4), train_cfg=ITERS | dict(
        max_iters=2), val=_loader(4, drop_last=True))
    runner.train()
    assert runner.iter == 2
    assert calls.calls.count("after_train_iter") == 2
    assert list(tmp_path.glob("*.pth"))  # the CheckpointHook wrote (by epoch: at the end)
