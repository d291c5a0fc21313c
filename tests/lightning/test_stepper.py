"""``OptimWrapper.optim_context`` asks a bound stepper to skip DDP's all-reduce.

The real effect (local gradients on non-update iterations under DDP) is checked with two
gloo processes in tests/runner/test_ddp.py; this pins which iterations ask for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from mmlight.optim import OptimWrapper


class RecordingStepper:
    """A minimal stepper (the OptimStepper protocol plus ``no_sync``)."""

    handles_precision = False

    def __init__(self) -> None:
        self.entered: list[int] = []
        self.count = 0

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        self.entered.append(self.count)
        yield

    def backward(self, loss: torch.Tensor, wrapper: Any = None, **kwargs: Any) -> None:
        loss.backward(**kwargs)

    def step(self, wrapper: Any, **kwargs: Any) -> None:
        wrapper.optimizer.step(**kwargs)


def test_optim_context_uses_the_stepper_no_sync_on_non_update_iterations() -> None:
    model = nn.Linear(2, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 5)
    stepper = RecordingStepper()
    wrapper.bind_stepper(stepper)
    for iteration in range(5):
        stepper.count = iteration
        with wrapper.optim_context(model):
            loss = model(torch.ones(1, 2)).sum()
        wrapper.update_params(loss)
    # Iterations 0 and 2 start a group; 1, 3 end one; 4 is the last iteration: it syncs.
    assert stepper.entered == [0, 2]
