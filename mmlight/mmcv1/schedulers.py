"""Parameter schedulers that replay an MMCV 1.x ``lr_config``/``momentum_config`` exactly.

The translation prefers MMEngine's own schedulers; it falls back to these where no chain of
them gives MMCV 1.7's values at every iteration. They step once per iteration and set
absolute values (no chaining), computed by :mod:`mmlight.mmcv1.policy_math`. In an
epoch-based run they are declared ``by_epoch=True, convert_to_iter_based=True`` so that the
runner passes the epoch length, which MMCV's epoch-counted arguments need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mmlight.mmcv1.policy_math import (
    LR_POLICIES,
    MOMENTUM_POLICIES,
    Position,
    canonical_policy,
    policy_value,
    warmup_factor,
)
from mmlight.optim.errors import OptimValueError
from mmlight.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
from mmlight.optim.scheduler.param_scheduler import INF, OptimizerType, _ParamScheduler
from mmlight.registry import PARAM_SCHEDULERS

__all__ = ["MMCV1LrScheduler", "MMCV1MomentumScheduler"]


def _per_group(value: float | Sequence[float], count: int, name: str) -> list[float]:
    if isinstance(value, (int, float)):
        return [float(value)] * count
    if len(value) != count:
        raise OptimValueError(f"expected {count} values for {name}, got {len(value)}")
    return [float(item) for item in value]


class _MMCV1Scheduler(_ParamScheduler):
    """Shared stepping: the value at global iteration ``last_step`` (``begin`` must be 0).

    Args:
        policy: MMCV's policy name (``'poly'``, ``'CosineAnnealing'``, ...).
        policy_args: the policy's own arguments as written in the MMCV 1.x config.
        policy_by_epoch: MMCV's ``by_epoch`` (regular value per epoch, not per iteration).
        warmup, warmup_iters, warmup_ratio, warmup_by_epoch: MMCV's warm-up arguments.
        max_epochs, max_iters: the run's length, as MMCV's runner knew it (one of them).
        epoch_length: iterations per epoch; set by ``build_iter_from_epoch``.
    """

    _lr = True

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        policy: str = "Fixed",
        policy_args: Mapping[str, Any] | None = None,
        policy_by_epoch: bool = True,
        warmup: str | None = None,
        warmup_iters: int = 0,
        warmup_ratio: float = 0.1,
        warmup_by_epoch: bool = False,
        max_epochs: int | None = None,
        max_iters: int | None = None,
        epoch_length: int | None = None,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = False,
        verbose: bool = False,
    ) -> None:
        table = LR_POLICIES if self._lr else MOMENTUM_POLICIES
        self.policy = canonical_policy(policy, table)
        self.policy_args = dict(policy_args or {})
        self.policy_by_epoch = policy_by_epoch
        if warmup is not None and warmup not in ("constant", "linear", "exp"):
            raise OptimValueError(
                f'"{warmup}" is not a supported type for warming up, valid types are '
                '"constant", "linear" and "exp"'
            )
        self.warmup = warmup
        self.warmup_ratio = warmup_ratio
        if by_epoch:
            raise OptimValueError(
                f"{type(self).__name__} steps every iteration: give by_epoch=False, or "
                "by_epoch=True with convert_to_iter_based=True in an epoch-based run"
            )
        if max_epochs is None and max_iters is None:
            raise OptimValueError(f"{type(self).__name__} needs max_epochs or max_iters")
        if max_epochs is not None and epoch_length is None:
            raise OptimValueError(
                f"{type(self).__name__} with max_epochs needs the epoch length: declare it "
                "by_epoch=True, convert_to_iter_based=True"
            )
        self.epoch_length = epoch_length or 0
        self.max_epochs = max_epochs if max_epochs is not None else 1
        self.max_iters = max_iters if max_iters is not None else self.max_epochs * self.epoch_length
        self.warmup_iters = warmup_iters * self.epoch_length if warmup_by_epoch else warmup_iters
        if begin != 0:
            raise OptimValueError(f"{type(self).__name__} replays a whole run: begin must be 0")
        super().__init__(optimizer, param_name, begin, end, last_step, False, verbose)

    @classmethod
    def build_iter_from_epoch(
        cls,
        *args: Any,
        begin: int = 0,
        end: int = INF,
        by_epoch: bool = True,
        epoch_length: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Keep the arguments in MMCV's units; only remember the epoch length."""
        if not by_epoch or not epoch_length or epoch_length <= 0:
            raise OptimValueError(
                f"{cls.__name__}: convert_to_iter_based needs by_epoch=True and a positive "
                f"epoch_length, got by_epoch={by_epoch!r}, epoch_length={epoch_length!r}"
            )
        end = INF if end == INF else int(end * epoch_length)
        ctor: Any = cls
        return ctor(
            *args, begin=begin, end=end, by_epoch=False, epoch_length=epoch_length, **kwargs
        )

    def _position(self) -> Position:
        it = self.last_step
        epoch = it // self.epoch_length if self.epoch_length else 0
        return Position(epoch, it, self.max_epochs, self.max_iters)

    def _regular(self, index: int, base: float, pos: Position) -> float:
        return policy_value(
            self.policy, base, self.policy_args, pos, self.policy_by_epoch, self._lr
        )

    def _get_value(self) -> list[Any]:
        pos = self._position()
        if pos.iter >= self.max_iters:  # the step after the last iteration: MMCV sets nothing
            return self._current_values()
        values = []
        for index, base in enumerate(self.base_values):
            value = self._regular(index, base, pos)
            if self.warmup is not None and pos.iter < self.warmup_iters:
                factor = warmup_factor(self.warmup, self.warmup_ratio, pos.iter, self.warmup_iters)
                value = value * factor if self._lr else value / factor
            values.append(value)
        return values


@PARAM_SCHEDULERS.register_module()
class MMCV1LrScheduler(_MMCV1Scheduler):
    """The learning rate as MMCV 1.7's ``<policy>LrUpdaterHook`` sets it, warm-up included."""

    def __init__(self, optimizer: OptimizerType, **kwargs: Any) -> None:
        policy = canonical_policy(kwargs.get("policy", "Fixed"))
        if policy == "OneCycle":  # MMCV starts the cycle at max_lr / div_factor, not at lr
            args = kwargs.get("policy_args") or {}
            peaks = _per_group(args["max_lr"], len(optimizer.param_groups), "max_lr")
            for group, peak in zip(optimizer.param_groups, peaks):
                group.setdefault("initial_lr", peak / args.get("div_factor", 25))
        super().__init__(optimizer, "lr", **kwargs)


@PARAM_SCHEDULERS.register_module()
class MMCV1MomentumScheduler(MomentumSchedulerMixin, _MMCV1Scheduler):
    """Momentum (or ``betas[0]``) as MMCV 1.7's ``<policy>MomentumUpdaterHook`` sets it."""

    _lr = False

    def __init__(self, optimizer: OptimizerType, **kwargs: Any) -> None:
        policy = canonical_policy(kwargs.get("policy", "Step"), MOMENTUM_POLICIES)
        self._cycle: list[tuple[float, float]] = []
        if policy == "OneCycle":  # MMCV starts every group at max_momentum
            args = kwargs.get("policy_args") or {}
            count = len(optimizer.param_groups)
            lows = _per_group(args.get("base_momentum", 0.85), count, "base_momentum")
            highs = _per_group(args.get("max_momentum", 0.95), count, "max_momentum")
            self._cycle = list(zip(lows, highs))
            for group, high in zip(optimizer.param_groups, highs):
                if "betas" in group:
                    group["betas"] = (high, group["betas"][1])
                else:
                    group["momentum"] = high
        super().__init__(optimizer, **kwargs)

    def _regular(self, index: int, base: float, pos: Position) -> float:
        if self.policy == "OneCycle":
            from mmlight.mmcv1.policy_math import one_cycle_momentum

            low, high = self._cycle[index]
            return one_cycle_momentum(low, high, self.policy_args, pos.iter, self.max_iters)
        return super()._regular(index, base, pos)
