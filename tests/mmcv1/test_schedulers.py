"""MMCV1LrScheduler / MMCV1MomentumScheduler: argument checks and resuming mid-run."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

from mmlight.mmcv1.policy_math import canonical_policy, warmup_factor  # noqa: E402
from mmlight.mmcv1.schedulers import MMCV1LrScheduler, MMCV1MomentumScheduler  # noqa: E402
from mmlight.optim.errors import OptimValueError  # noqa: E402


def sgd() -> Any:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)


def test_resume_mid_run_continues_the_schedule() -> None:
    kwargs: dict[str, Any] = dict(
        policy="inv",
        policy_args=dict(gamma=0.1, power=0.5),
        policy_by_epoch=False,
        warmup="exp",
        warmup_iters=4,
        warmup_ratio=0.01,
        max_iters=12,
    )
    optimizer = sgd()
    first = MMCV1LrScheduler(optimizer, **kwargs)
    reference = []
    for _ in range(11):
        optimizer.step()
        first.step()
        reference.append(optimizer.param_groups[0]["lr"])
    optimizer = sgd()
    again = MMCV1LrScheduler(optimizer, **kwargs)
    for _ in range(5):
        optimizer.step()
        again.step()
    state, optim_state = again.state_dict(), optimizer.state_dict()
    resumed_optimizer = sgd()
    resumed_optimizer.load_state_dict(optim_state)
    resumed = MMCV1LrScheduler(resumed_optimizer, **kwargs)
    resumed.load_state_dict(state)
    values = []
    for _ in range(6):
        resumed_optimizer.step()
        resumed.step()
        values.append(resumed_optimizer.param_groups[0]["lr"])
    assert values == pytest.approx(reference[5:])


def test_epoch_counted_arguments_need_the_epoch_length() -> None:
    with pytest.raises(OptimValueError, match="with max_epochs needs the epoch length"):
        MMCV1LrScheduler(sgd(), policy="step", policy_args=dict(step=[1]), max_epochs=2)
    with pytest.raises(OptimValueError, match="steps every iteration"):
        MMCV1LrScheduler(
            sgd(), policy="step", policy_args=dict(step=[1]), max_iters=4, by_epoch=True
        )
    with pytest.raises(OptimValueError, match="convert_to_iter_based needs by_epoch=True"):
        MMCV1LrScheduler.build_iter_from_epoch(sgd(), policy="fixed", max_epochs=2, epoch_length=0)
    built = MMCV1LrScheduler.build_iter_from_epoch(
        sgd(), policy="fixed", max_epochs=2, epoch_length=3
    )
    assert (built.by_epoch, built.max_iters) == (False, 6)


def test_bad_warmup_and_policy_names() -> None:
    with pytest.raises(OptimValueError, match='"cosine" is not a supported type for warming up'):
        MMCV1LrScheduler(sgd(), policy="fixed", warmup="cosine", warmup_iters=2, max_iters=4)
    with pytest.raises(ValueError, match=r"unknown MMCV 1\.x policy 'Inv'"):
        MMCV1MomentumScheduler(sgd(), policy="Inv", max_iters=4)
    assert canonical_policy("flat-cosine") == "FlatCosineAnnealing"
    assert canonical_policy("CosineAnnealing") == canonical_policy("cosine")
    with pytest.raises(ValueError, match="not a supported type for warming up"):
        warmup_factor("cosine", 0.1, 0, 5)


def test_momentum_of_adam_goes_to_betas() -> None:
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.1, betas=(0.9, 0.99))
    scheduler = MMCV1MomentumScheduler(
        optimizer, policy="step", policy_args=dict(step=[1]), policy_by_epoch=False, max_iters=3
    )
    optimizer.step()
    scheduler.step()
    assert optimizer.param_groups[0]["betas"] == pytest.approx((0.45, 0.99))
