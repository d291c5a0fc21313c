"""mmengine's loop import paths: ``mmlight.runner.base_loop.BaseLoop`` and
``mmlight.runner.loops._InfiniteDataloaderIterator`` (what mmagic's PGGAN hook assigns to an
iteration-based loop's ``dataloader_iterator`` after swapping the dataloader)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader

from mmlight.dataset import pseudo_collate
from mmlight.hooks import Hook
from mmlight.runner import BaseLoop, Runner
from mmlight.runner.base_loop import BaseLoop as BaseLoopFromItsModule
from mmlight.runner.loops import _InfiniteDataloaderIterator
from tests.runner.tiny_regressor import TinyRegressor


class _EpochSampler(torch.utils.data.Sampler[int]):
    """Yields its indices rotated by the epoch it was last given."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.epochs: list[int] = []

    def set_epoch(self, epoch: int) -> None:
        self.epochs.append(epoch)

    def __iter__(self) -> Any:
        shift = self.epochs[-1] if self.epochs else 0
        return iter([(i + shift) % self.n for i in range(self.n)])

    def __len__(self) -> int:
        return self.n


def _loader(start: int, n: int = 4) -> DataLoader:
    samples = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i))
               for i in range(start, start + n)]
    return DataLoader(samples, batch_size=2, collate_fn=pseudo_collate,  # type: ignore[arg-type]
                      sampler=_EpochSampler(n))


def _values(batches: list[Any]) -> list[list[float]]:
    return [list(batch["data_samples"]) for batch in batches]


def test_base_loop_has_mmengines_module() -> None:
    assert BaseLoopFromItsModule is BaseLoop


def test_infinite_iterator_restarts_and_sets_the_epoch() -> None:
    loader = _loader(0)
    iterator = _InfiniteDataloaderIterator(loader)
    assert iter(iterator) is iterator
    batches = [next(iterator) for _ in range(6)]
    assert _values(batches) == [[0, 1], [2, 3], [1, 2], [3, 0], [2, 3], [0, 1]]
    assert loader.sampler.epochs == [1, 2]  # type: ignore[attr-defined]
    assert iterator._epoch == 2 and iterator._dataloader is loader


def test_infinite_iterator_parity_with_mmengine(monkeypatch: pytest.MonkeyPatch) -> None:
    loops = pytest.importorskip("mmengine.runner.loops")
    monkeypatch.setattr(loops.time, "sleep", lambda seconds: None)  # mmengine waits 2 s
    theirs_loader, ours_loader = _loader(0), _loader(0)
    theirs = loops._InfiniteDataloaderIterator(theirs_loader)
    ours = _InfiniteDataloaderIterator(ours_loader)
    assert _values([next(ours) for _ in range(7)]) == _values([next(theirs) for _ in range(7)])
    assert ours_loader.sampler.epochs == theirs_loader.sampler.epochs  # type: ignore[attr-defined]
    assert ours._epoch == theirs._epoch


class _SwapData(Hook):
    """Swaps the training data before iteration 2, as mmagic's PGGANFetchDataHook does."""

    def __init__(self) -> None:
        self.seen: list[list[float]] = []

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        self.seen.append(list(data_batch["data_samples"]))
        if batch_idx == 1:
            loop = runner.train_loop
            loop.dataloader_iterator = _InfiniteDataloaderIterator(_loader(100))


def test_an_iteration_loop_fetches_from_an_assigned_iterator(tmp_path: Path) -> None:
    swap = _SwapData()
    runner = Runner(
        model=TinyRegressor(),
        work_dir=str(tmp_path),
        train_dataloader=dict(dataset=[dict(inputs=torch.tensor([float(i), 1.0]),
                                            data_samples=float(i)) for i in range(4)],
                              sampler=dict(type="InfiniteSampler", shuffle=False),
                              batch_size=2),
        train_cfg=dict(by_epoch=False, max_iters=5, val_interval=100),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(logger=None, checkpoint=None),
        custom_hooks=[swap],
        randomness=dict(seed=0),
        experiment_name=f"loop_compat_{uuid.uuid4().hex}",
    )
    runner.train()
    assert swap.seen == [[0, 1], [2, 3], [100, 101], [102, 103], [101, 102]]
