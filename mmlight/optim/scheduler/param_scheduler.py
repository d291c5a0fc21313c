"""``_ParamScheduler``: the base of every parameter scheduler, with mmengine's step semantics.

A scheduler changes one hyper-parameter (``param_name``: ``'lr'``, ``'momentum'``, ...) of every
param group. Values are computed *chainably* from the group's current value, so schedulers whose
``[begin, end)`` windows overlap compose multiplicatively (warm-up + step decay).

Step counting, as mmengine:

- ``_global_step`` counts calls of :meth:`step`; the constructor already calls it once, so the
  value for step 0 (e.g. LinearLR's ``start_factor``) applies immediately;
- ``last_step`` counts only the steps inside ``[begin, end)`` and drives the formulas;
- ``optimizer.step`` is wrapped with a counter so that calling ``scheduler.step()`` before the
  first ``optimizer.step()`` can be warned about, as torch's LR schedulers do.

``state_dict()`` is the instance ``__dict__`` without the optimizer, attribute names as
mmengine's, so scheduler states in mmengine checkpoints load here and the other way round.
The concrete families live in sibling modules; their names are also importable from here,
as they are from ``mmengine.optim.scheduler.param_scheduler``.
"""

from __future__ import annotations

import importlib
import warnings
import weakref
from collections.abc import Callable
from functools import wraps
from typing import Any, ClassVar

from torch.optim import Optimizer

from mmlight.logging import print_log
from mmlight.optim.errors import (
    OptimKeyError,
    OptimTypeError,
    OptimValueError,
)
from mmlight.optim.optimizer.base import BaseOptimWrapper

__all__ = ["INF", "OptimizerType", "_ParamScheduler"]

# PyTorch's page on the optimizer.step() / scheduler.step() order (mmengine's warnings cite it).
_ORDER_DOCS = "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"

INF = int(1e9)

OptimizerType = BaseOptimWrapper | Optimizer


def _count_steps(optimizer: Any) -> Callable[..., Any]:
    """``optimizer.step`` wrapped to increment ``optimizer._global_step`` on every call.

    The wrapper holds the optimizer weakly (the wrapper is stored on the optimizer itself) and
    is marked ``_with_counter`` so that several schedulers share one wrapper.
    """
    method = optimizer.step
    if getattr(method, "_with_counter", False):
        return method
    if hasattr(method, "__self__") and hasattr(method, "__func__"):
        owner_ref = weakref.ref(method.__self__)
        func = method.__func__
        owner_cls = type(method.__self__)

        @wraps(func)
        def counted(*args: Any, **kwargs: Any) -> Any:
            owner = owner_ref()
            owner._global_step += 1  # type: ignore[union-attr]
            return func.__get__(owner, owner_cls)(*args, **kwargs)

    else:  # a plain callable already stored on the instance
        target_ref = weakref.ref(optimizer)
        plain = method

        @wraps(plain)
        def counted(*args: Any, **kwargs: Any) -> Any:
            target = target_ref()
            if target is not None:
                target._global_step += 1
            return plain(*args, **kwargs)

    counted._with_counter = True  # type: ignore[attr-defined]
    return counted


class _ParamScheduler:
    """Base class of parameter schedulers.

    Args:
        optimizer: a torch optimizer or an optimizer wrapper.
        param_name: the param-group key to schedule.
        begin: first step (inclusive) at which the scheduler acts.
        end: step (exclusive) at which it stops acting; ``INF`` by default.
        last_step: -1 to start fresh; otherwise the step to resume from, which requires the
            ``initial_<param_name>`` entries a previous run stored in the param groups.
        by_epoch: whether a step is an epoch (True) or an iteration (False).
        verbose: log every value change.
    """

    # Arguments counted in steps that ``build_iter_from_epoch`` multiplies by the epoch length,
    # mapped to whether the argument is required there.
    _epoch_scaled_args: ClassVar[dict[str, bool]] = {}

    def __init__(
        self,
        optimizer: OptimizerType,
        param_name: str,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self._check_optimizer(optimizer)
        self.optimizer = optimizer
        self.param_name = param_name
        self._check_window(begin, end)
        self.begin = begin
        self.end = end
        self.by_epoch = by_epoch
        self._prepare_initial_values(optimizer, param_name, last_step)
        self.base_values = [group[f"initial_{param_name}"] for group in optimizer.param_groups]
        self.last_step = last_step
        self.optimizer.step = _count_steps(self.optimizer)  # type: ignore[method-assign]
        self.optimizer._global_step = -1  # type: ignore[union-attr]
        self._global_step = -1
        self.verbose = verbose
        self.step()

    # ------------------------------------------------------------------ argument checks
    def _check_optimizer(self, optimizer: Any) -> None:
        if not isinstance(optimizer, (Optimizer, BaseOptimWrapper)):
            raise OptimTypeError(
                f"{type(self).__name__}: ``optimizer`` should be an Optimizer (a "
                f"torch.optim.Optimizer or an OptimWrapper), but got {type(optimizer).__name__}"
            )

    def _check_window(self, begin: int, end: int) -> None:
        if end <= begin:
            raise OptimValueError(
                f"{type(self).__name__}: end should be larger than begin, but got "
                f"begin={begin}, end={end} (the scheduler acts on steps begin <= step < end)"
            )

    def _prepare_initial_values(self, optimizer: Any, param_name: str, last_step: int) -> None:
        """Record ``initial_<param>`` in every group (fresh start) or check it exists (resume)."""
        if isinstance(last_step, bool) or not isinstance(last_step, int) or last_step < -1:
            raise OptimValueError(
                f"{type(self).__name__}: last_step must be an int >= -1 (-1 starts a new "
                f"schedule), but got {last_step!r}"
            )
        initial = f"initial_{param_name}"
        for index, group in enumerate(optimizer.param_groups):
            if last_step == -1:
                if param_name not in group:
                    raise OptimKeyError(
                        f"{type(self).__name__}: param_groups[{index}] of "
                        f"{type(optimizer).__name__} has no {param_name!r} to schedule "
                        f"(its keys: {', '.join(k for k in group if k != 'params')})"
                    )
                group.setdefault(initial, group[param_name])
            elif initial not in group:
                raise OptimKeyError(
                    f"{type(self).__name__}: param {initial!r} is not specified in "
                    f"param_groups[{index}] when resuming an optimizer (last_step={last_step}); "
                    "load the optimizer state saved together with this scheduler first, or "
                    "start with last_step=-1"
                )

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (attribute names as mmengine's)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes this scheduler has; a name it lacks is ignored with a warning.

        The state comes from a file: it may set values, never new attribute names (which could
        shadow a method) nor the optimizer.
        """
        own = self.__dict__.keys() - {"optimizer"}
        unknown = sorted(str(key) for key in state_dict if key not in own)
        if unknown:
            warnings.warn(
                f"{type(self).__name__}.load_state_dict ignored keys it does not have: "
                f"{', '.join(map(repr, unknown))}",
                stacklevel=2,
            )
        self.__dict__.update({key: value for key, value in state_dict.items() if key in own})

    def get_last_value(self) -> list[float]:
        """The scheduled value of every param group after the latest step."""
        return self._last_value

    # ------------------------------------------------------------------ stepping
    def _get_value(self) -> list[Any]:
        """Values for the current ``last_step``, one per param group."""
        raise NotImplementedError

    def _current_values(self) -> list[Any]:
        return [group[self.param_name] for group in self.optimizer.param_groups]

    def print_value(self, is_verbose: bool, group: int, value: float) -> None:
        if is_verbose:
            print_log(
                f"Adjusting parameter value of group {group} to {value:.4e}.", logger="current"
            )

    def _warn_if_stepped_too_early(self) -> None:
        if not hasattr(self.optimizer.step, "_with_counter"):
            warnings.warn(
                f"{type(self).__name__}: optimizer.step() seems to have been replaced after the "
                "scheduler was created, so the scheduler cannot tell whether it runs after "
                "optimizer.step(). Call optimizer.step() before scheduler.step(). See "
                f"{_ORDER_DOCS}",
                UserWarning,
                stacklevel=3,
            )
        elif getattr(self.optimizer, "_global_step", -1) < 0:
            warnings.warn(
                f"{type(self).__name__}: scheduler.step() was called before `optimizer.step()`. "
                "Call optimizer.step() first, or the first value of the schedule is skipped. "
                f"See {_ORDER_DOCS}",
                UserWarning,
                stacklevel=3,
            )

    def step(self) -> None:
        """Advance one step and, inside ``[begin, end)``, write the new values to the groups."""
        if self._global_step == 0:
            self._warn_if_stepped_too_early()
        self._global_step += 1
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            values = self._get_value()
            for index, (group, value) in enumerate(zip(self.optimizer.param_groups, values)):
                group[self.param_name] = value
                self.print_value(self.verbose, index, value)
        self._last_value = self._current_values()

    # ------------------------------------------------------------------ epoch -> iteration
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
        """Build an iteration-based scheduler from epoch-based arguments.

        ``begin``, ``end`` (unless ``INF``) and the family's step-counted arguments (step
        sizes, milestones, periods, ...) are multiplied by ``epoch_length``.
        """
        if not by_epoch:
            raise OptimValueError(
                f"{cls.__name__}: only an epoch-based scheduler (by_epoch=True) can be "
                "converted to iter-based (convert_to_iter_based=True)"
            )
        if epoch_length is None or not epoch_length > 0:
            raise OptimValueError(
                f"{cls.__name__}: epoch_length must be a positive integer to convert epochs to "
                f"iterations, but got {epoch_length!r}"
            )
        for name, required in cls._epoch_scaled_args.items():
            value = kwargs.get(name)
            if value is None:
                if required:
                    raise OptimTypeError(
                        f"{cls.__name__}.build_iter_from_epoch() missing required keyword "
                        f"argument: {name!r}"
                    )
                continue
            if isinstance(value, (list, tuple)):
                kwargs[name] = [item * epoch_length for item in value]
            else:
                kwargs[name] = value * epoch_length
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        ctor: Any = cls
        return ctor(*args, begin=begin, end=end, by_epoch=False, **kwargs)


_FAMILY_MODULES = {
    "StepParamScheduler": "step_decay",
    "MultiStepParamScheduler": "step_decay",
    "ExponentialParamScheduler": "step_decay",
    "PolyParamScheduler": "step_decay",
    "ConstantParamScheduler": "factor",
    "LinearParamScheduler": "factor",
    "CosineAnnealingParamScheduler": "cosine",
    "CosineRestartParamScheduler": "cosine",
    "OneCycleParamScheduler": "one_cycle",
    "ReduceOnPlateauParamScheduler": "reduce_on_plateau",
}


def __getattr__(name: str) -> Any:
    """mmengine keeps every ``*ParamScheduler`` in this module; resolve those names lazily."""
    module = _FAMILY_MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"mmlight.optim.scheduler.{module}"), name)
