"""``mmlight.optim.scheduler.scheduler_bases``: which objects the runner takes as built
schedulers, and what optimizer it builds an added base's scheduler with."""

from __future__ import annotations

import torch

from mmlight.optim import LinearLR, OptimWrapper
from mmlight.optim.scheduler.param_scheduler import _ParamScheduler
from mmlight.optim.scheduler.scheduler_bases import (
    add_scheduler_base,
    is_param_scheduler,
    remove_scheduler_base,
    scheduler_bases,
    scheduler_optimizer,
)


class ForeignScheduler:
    """A scheduler base of another library (as mmengine's, for the bridge)."""

    by_epoch = True

    def step(self) -> None:
        pass


class ForeignWarmup(ForeignScheduler):
    pass


def test_added_bases_are_schedulers_built_with_the_torch_optimizer() -> None:
    wrapper = OptimWrapper(torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1))
    before = scheduler_bases()  # (a bridge may have added mmengine's in this process)
    assert before[0] is _ParamScheduler
    assert is_param_scheduler(LinearLR(wrapper))
    assert not is_param_scheduler(ForeignWarmup())
    assert scheduler_optimizer(ForeignWarmup, wrapper) is wrapper
    add_scheduler_base(ForeignScheduler)
    try:
        add_scheduler_base(ForeignScheduler)  # twice: listed once
        assert scheduler_bases() == (*before, ForeignScheduler)
        assert is_param_scheduler(ForeignWarmup())
        assert scheduler_optimizer(ForeignWarmup, wrapper) is wrapper.optimizer
        # mmlight's own schedulers, and names no registry knows, keep the wrapper
        assert scheduler_optimizer(LinearLR, wrapper) is wrapper
        assert scheduler_optimizer(None, wrapper) is wrapper
    finally:
        remove_scheduler_base(ForeignScheduler)
    assert scheduler_bases() == before
    assert not is_param_scheduler(ForeignWarmup())
