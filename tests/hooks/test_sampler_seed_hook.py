"""DistSamplerSeedHook: the train sampler learns the epoch before each epoch starts."""

from __future__ import annotations

from types import SimpleNamespace

import torch
from torch.utils.data import DataLoader, DistributedSampler, SequentialSampler

from mmlight.dataset import DefaultSampler
from mmlight.hooks import DistSamplerSeedHook


def _loader(sampler) -> DataLoader:
    return DataLoader(list(range(8)), sampler=sampler, batch_size=2)


def test_sets_the_epoch_on_the_dataloader_sampler(make_runner) -> None:
    sampler = DefaultSampler(list(range(8)), shuffle=True, seed=0)
    runner = make_runner(epoch=3)
    runner.train_loop.dataloader = _loader(sampler)
    DistSamplerSeedHook().before_train_epoch(runner)
    assert sampler.epoch == 3


def test_sets_the_epoch_through_the_batch_sampler(make_runner) -> None:
    sampler = DistributedSampler(list(range(8)), num_replicas=1, rank=0, seed=0)
    batch_sampler = torch.utils.data.BatchSampler(sampler, batch_size=2, drop_last=False)
    # an object whose own ``sampler`` cannot set_epoch, but whose batch sampler's can
    loader = SimpleNamespace(sampler=None, batch_sampler=batch_sampler)
    runner = make_runner(epoch=5)
    runner.train_loop.dataloader = loader
    DistSamplerSeedHook().before_train_epoch(runner)
    assert sampler.epoch == 5


def test_samplers_without_set_epoch_are_left_alone(make_runner) -> None:
    runner = make_runner(epoch=2)
    runner.train_loop.dataloader = _loader(SequentialSampler(list(range(8))))
    DistSamplerSeedHook().before_train_epoch(runner)  # no error
    runner.train_loop.dataloader = list(range(3))
    DistSamplerSeedHook().before_train_epoch(runner)


def test_shuffle_order_changes_between_epochs(make_runner) -> None:
    sampler = DefaultSampler(list(range(16)), shuffle=True, seed=0)
    runner = make_runner()
    runner.train_loop.dataloader = _loader(sampler)
    hook = DistSamplerSeedHook()
    orders = []
    for epoch in range(2):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        orders.append(list(sampler))
    assert orders[0] != orders[1]
