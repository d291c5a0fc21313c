"""``OptimWrapper``: gradient accumulation and clipping around a torch optimizer, as mmengine's.

``update_params(loss)`` is the whole training-step protocol a model's ``train_step`` uses: divide
the loss for accumulation, back-propagate, and every ``accumulative_counts`` calls (or on the
very last iteration) clip, step and zero the gradients. A bound :class:`OptimStepper` takes
over the actual backward and optimizer step (see ``stepper.py``); without one the behaviour is
mmengine 0.10.7's.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mmlight.logging import MessageHub, print_log
from mmlight.optim.errors import OptimTypeError, OptimValueError
from mmlight.optim.optimizer.base import BaseOptimWrapper
from mmlight.optim.optimizer.stepper import OptimStepper
from mmlight.registry import OPTIM_WRAPPERS

if TYPE_CHECKING:
    import torch
    from torch import nn
    from torch.optim import Optimizer

__all__ = ["OptimWrapper", "has_batch_norm"]

_CLIP_TYPES = ("norm", "value")


def has_batch_norm(model: nn.Module) -> bool:
    """Whether any submodule is a BatchNorm (accumulation changes its statistics)."""
    from torch.nn.modules.batchnorm import _BatchNorm

    return any(isinstance(module, _BatchNorm) for module in model.modules())


def _clip_function(clip_type: str) -> tuple[Callable[..., Any], str]:
    import torch

    if clip_type == "norm":
        return torch.nn.utils.clip_grad_norm_, "grad_norm"
    return torch.nn.utils.clip_grad_value_, "grad_value"


def _check_clip_kwargs(func: Callable[..., Any], clip_type: str, kwargs: dict[str, Any]) -> None:
    """Reject misspelt or missing ``clip_grad`` keys now, not at the first optimizer step."""
    sig = inspect.signature(func)
    accepted = [name for name in sig.parameters if name != "parameters"]
    try:
        sig.bind([], **kwargs)
    except TypeError as err:
        from mmlight.registry.errors import closest_names, did_you_mean

        unknown = [key for key in kwargs if key not in accepted]
        hints = [did_you_mean(closest_names(key, accepted, n=1)) for key in unknown]
        detail = "; ".join(
            f"unknown key {key!r}" + (f" ({hint})" if hint else "")
            for key, hint in zip(unknown, hints)
        )
        raise OptimTypeError(
            f"clip_grad with type={clip_type!r}: {detail or err}. "
            f"{func.__module__}.{func.__name__} accepts: {', '.join(accepted)}."
        ) from None


@OPTIM_WRAPPERS.register_module()
class OptimWrapper(BaseOptimWrapper):
    """Wrap an optimizer with gradient accumulation and clipping.

    Args:
        optimizer: the torch optimizer to drive.
        accumulative_counts: number of ``update_params`` calls whose gradients are summed
            before one optimizer step (the loss is divided by it).
        clip_grad: ``None``, or keyword arguments of ``torch.nn.utils.clip_grad_norm_``
            (``type='norm'``, the default: ``max_norm``, ``norm_type``,
            ``error_if_nonfinite``, ``foreach``) or of ``clip_grad_value_`` (``type='value'``:
            ``clip_value``). The gradient norm is recorded as ``train/grad_norm`` in the current
            message hub. The dict is copied, not modified.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        accumulative_counts: int = 1,
        clip_grad: dict[str, Any] | None = None,
    ) -> None:
        if (
            isinstance(accumulative_counts, bool)
            or not isinstance(accumulative_counts, (int, float))
            or not accumulative_counts > 0
        ):
            raise OptimValueError(
                f"accumulative_counts must be an integer >= 1 (the number of iterations whose "
                f"gradients are accumulated before a step), but got {accumulative_counts!r}"
            )
        super().__init__(optimizer)
        self._accumulative_counts = accumulative_counts
        self.clip_grad_kwargs: dict[str, Any] | None = None
        self.clip_func: Callable[..., Any] | None = None
        self.grad_name: str | None = None
        if clip_grad is not None:
            self._setup_clip_grad(clip_grad)
        # Number of backward passes so far; with _max_counts it decides when to step and how to
        # scale the loss of the last, possibly incomplete accumulation group.
        self._inner_count = 0
        self._max_counts = -1
        self._remainder_counts = -1
        self._stepper: OptimStepper | None = None

    def _setup_clip_grad(self, clip_grad: Any) -> None:
        if not isinstance(clip_grad, Mapping) or not clip_grad:
            raise OptimTypeError(
                "If `clip_grad` is not None, it should be a `dict`: "
                "clip_grad must be None or a non-empty dict of arguments for "
                "torch.nn.utils.clip_grad_norm_ (e.g. dict(max_norm=35, norm_type=2)) or "
                "clip_grad_value_ (dict(type='value', clip_value=0.5)), but got "
                f"{type(clip_grad).__name__}: {clip_grad!r}"
            )
        kwargs = dict(clip_grad)
        clip_type = kwargs.pop("type", "norm")
        if clip_type not in _CLIP_TYPES:
            raise OptimValueError(
                f'clip_grad type should be "norm" or "value", but got {clip_type!r}'
            )
        if not kwargs:
            raise OptimValueError(
                f"clip_grad=dict(type={clip_type!r}) has no arguments besides 'type'; add "
                + ("max_norm=..." if clip_type == "norm" else "clip_value=...")
            )
        self.clip_func, self.grad_name = _clip_function(clip_type)
        _check_clip_kwargs(self.clip_func, clip_type, kwargs)
        self.clip_grad_kwargs = kwargs

    # ------------------------------------------------------------------ stepper
    def bind_stepper(self, stepper: OptimStepper | None) -> None:
        """Route ``backward`` and ``step`` through ``stepper`` (None restores mmengine's path)."""
        if stepper is not None and not isinstance(stepper, OptimStepper):
            raise OptimTypeError(
                f"bind_stepper expects an OptimStepper (an object with handles_precision, "
                f"backward(loss, **kw) and step(wrapper, **kw)) or None, but got "
                f"{type(stepper).__name__}"
            )
        self._stepper = stepper

    @property
    def stepper(self) -> OptimStepper | None:
        return self._stepper

    def _precision_delegated(self) -> bool:
        return self._stepper is not None and bool(self._stepper.handles_precision)

    # ------------------------------------------------------------------ training step
    def update_params(
        self,
        loss: torch.Tensor,
        step_kwargs: dict[str, Any] | None = None,
        zero_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """Scale ``loss`` for accumulation, back-propagate, and step + zero when due."""
        loss = self.scale_loss(loss)
        self.backward(loss)
        if self.should_update():
            self.step(**(step_kwargs or {}))
            self.zero_grad(**(zero_kwargs or {}))

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Back-propagate ``loss`` (through the stepper if bound) and count the call."""
        if self._stepper is not None:
            self._stepper.backward(loss, wrapper=self, **kwargs)
        else:
            self._backward(loss, **kwargs)
        self._inner_count += 1

    def _backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        loss.backward(**kwargs)

    def zero_grad(self, **kwargs: Any) -> None:
        self.optimizer.zero_grad(**kwargs)

    def step(self, **kwargs: Any) -> None:
        """Clip (if configured) and step; a bound stepper does both in its own order."""
        if self._stepper is not None:
            self._stepper.step(self, **kwargs)
        else:
            self._step(**kwargs)

    def _step(self, **kwargs: Any) -> None:
        if self.clip_grad_kwargs:
            self.clip_grads()
        self.optimizer.step(**kwargs)

    # ------------------------------------------------------------------ clipping
    def clip_grads(self) -> torch.Tensor | None:
        """Clip the gradients as configured by ``clip_grad``; returns the total norm or None.

        The norm (``type='norm'``) is recorded as ``train/grad_norm`` in the current message
        hub. Gradients must already be unscaled when this runs.
        """
        if not self.clip_grad_kwargs or self.clip_func is None:
            return None
        params = [
            param
            for group in self.optimizer.param_groups
            for param in group["params"]
            if param.requires_grad and param.grad is not None
        ]
        if not params:
            return None
        result = self.clip_func(params, **self.clip_grad_kwargs)
        if result is not None:  # clip_grad_value_ returns None
            self.message_hub.update_scalar(f"train/{self.grad_name}", float(result))
        return result

    def _clip_grad(self) -> None:
        """mmengine's private name, kept for subclasses written against it."""
        self.clip_grads()

    @property
    def message_hub(self) -> Any:
        """Where the gradient norm is recorded: the hub assigned here, else the current one.

        mmengine freezes the current hub at construction; looking it up on use also finds a
        hub created after the wrapper (e.g. by a runner built later).
        """
        hub = self.__dict__.get("_message_hub")
        if hub is not None:
            return hub
        return MessageHub.get_current_instance()

    @message_hub.setter
    def message_hub(self, hub: Any) -> None:
        self._message_hub = hub

    # ------------------------------------------------------------------ accumulation
    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Skip DDP's gradient all-reduce (``model.no_sync()``) while accumulating.

        With a stepper bound the DDP wrapper belongs to the trainer, not to ``model``; the
        stepper's own ``no_sync()`` (when it has one) then does the skipping.
        """
        no_sync: Any = getattr(self._stepper, "no_sync", None)
        if no_sync is None:
            no_sync = getattr(model, "no_sync", None)
        if not self.should_sync() and no_sync is not None:
            with no_sync():
                yield
        else:
            yield

    def initialize_count_status(self, model: nn.Module, init_counts: int, max_counts: int) -> None:
        """Tell the wrapper where training resumes and ends, so the last group steps too."""
        self._inner_count = init_counts
        self._max_counts = max_counts
        if self._inner_count % self._accumulative_counts != 0:
            print_log(
                "Resumed iteration number is not divisible by `_accumulative_counts`: "
                f"Training resumes at iteration {init_counts}, which is not a multiple of "
                f"accumulative_counts={self._accumulative_counts}: gradients of the interrupted "
                "accumulation group are lost, which may slightly change the result.",
                logger="current",
                level=logging.WARNING,
            )
        if self._accumulative_counts > 1 and has_batch_norm(model):
            print_log(
                "Gradient accumulative may slightly decrease performance because the model has "
                f"BatchNorm layers: gradient accumulation (accumulative_counts="
                f"{self._accumulative_counts}) lets their statistics see only one micro-batch "
                "at a time.",
                logger="current",
                level=logging.WARNING,
            )
        self._remainder_counts = self._max_counts % self._accumulative_counts

    def should_update(self) -> bool:
        """Step now: a full accumulation group is done, or this was the last iteration."""
        return (
            self._inner_count % self._accumulative_counts == 0
            or self._inner_count == self._max_counts
        )

    def should_sync(self) -> bool:
        """Whether the coming backward (not yet counted) ends a group and must all-reduce."""
        upcoming = self._inner_count + 1
        return upcoming % self._accumulative_counts == 0 or upcoming == self._max_counts

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """Divide ``loss`` by the size of the accumulation group it belongs to."""
        if self._accumulative_counts == 1:
            factor = 1
        elif self._max_counts == -1:
            factor = self._accumulative_counts
        else:
            if self._inner_count < self._max_counts - self._remainder_counts:
                factor = self._accumulative_counts
            else:
                factor = self._remainder_counts
            if not factor > 0:
                raise OptimValueError(
                    f"cannot scale the loss: iteration {self._inner_count} lies beyond the last "
                    f"accumulation group (max_counts={self._max_counts}, accumulative_counts="
                    f"{self._accumulative_counts}); check the init_counts and max_counts given "
                    "to initialize_count_status"
                )
        return loss / factor

    @property
    def inner_count(self) -> int:
        """Number of backward passes counted so far."""
        return self._inner_count

    def __repr__(self) -> str:
        return (
            f"Type: {type(self).__name__}\n"
            f"_accumulative_counts: {self._accumulative_counts}\n"
            f"optimizer: \n{self.optimizer!r}\n"
        )
