"""``MMFullyShardedDataParallel``: torch's FSDP around a ``BaseModel``, with its train step.

Why a wrapper of the model and not of the LightningModule: FSDP's state machine requires the
backward pass to start after the root module's forward has returned. A ``BaseModel`` runs its
backward and optimizer step inside ``train_step``; so the wrapper's ``train_step`` runs only
the forward through FSDP (``self(...)``) and reduces the losses and updates the parameters
outside it, as MMEngine's wrapper does. ``mmlight.lightning.fsdp.MMFSDPStrategy`` builds it.

The constructor takes MMEngine's arguments, including their config-friendly spellings:
strings for the enums, ``FUNCTIONS`` names or dicts for the policies and a dict for
``mixed_precision``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn
from torch.distributed.fsdp import (
    BackwardPrefetch,
    CPUOffload,
    FullyShardedDataParallel,
    MixedPrecision,
    ShardingStrategy,
)

from mmlight.model.errors import ModelTypeError, ModelValueError
from mmlight.registry import MODEL_WRAPPERS

__all__ = ["MMFullyShardedDataParallel"]


def _enum_member(value: Any, enum: Any, argument: str) -> Any:
    if value is None or isinstance(value, enum):
        return value
    if isinstance(value, str):
        try:
            return enum[value]
        except KeyError:
            choices = ", ".join(repr(name) for name in enum.__members__)
            raise ModelValueError(
                f"MMFullyShardedDataParallel: {argument}={value!r} is not one of {choices}"
            ) from None
    raise ModelTypeError(
        f"MMFullyShardedDataParallel: {argument} must be a str or {enum.__name__}, "
        f"got {type(value).__name__}"
    )


def _registered_function(value: Any, argument: str) -> Callable[..., Any] | None:
    """A callable, a ``FUNCTIONS`` name, or ``dict(type=name_or_callable, **partial_kwargs)``."""
    from mmlight.registry import FUNCTIONS

    def lookup(name: Any) -> Callable[..., Any]:
        if callable(name):
            return name
        found = FUNCTIONS.get(name) if isinstance(name, str) else None
        if found is None:
            raise ModelValueError(
                f"MMFullyShardedDataParallel: {argument}={name!r} is not registered in FUNCTIONS; "
                "register it with @FUNCTIONS.register_module() or pass the callable"
            )
        return found

    if value is None or callable(value):
        return value
    if isinstance(value, str):
        return lookup(value)
    if isinstance(value, dict):
        options = dict(value)
        if "type" not in options:
            raise ModelValueError(
                f"MMFullyShardedDataParallel: {argument} as a dict needs a 'type' key"
            )
        return functools.partial(lookup(options.pop("type")), **options)
    raise ModelTypeError(
        f"MMFullyShardedDataParallel: {argument} must be a str, a callable, a dict or None, "
        f"got {type(value).__name__}"
    )


def _dtype(value: Any, key: str) -> torch.dtype | None:
    if value is None or isinstance(value, torch.dtype):
        return value
    if isinstance(value, str) and isinstance(getattr(torch, value, None), torch.dtype):
        dtype: torch.dtype = getattr(torch, value)
        return dtype
    raise ModelTypeError(
        f"MMFullyShardedDataParallel: mixed_precision.{key} must be None, a torch.dtype or a "
        f"dtype name such as 'float16', got {value!r}"
    )


def _mixed_precision(value: Any) -> MixedPrecision | None:
    if value is None or isinstance(value, MixedPrecision):
        return value
    if isinstance(value, dict):
        options = dict(value)
        for key in ("param_dtype", "reduce_dtype", "buffer_dtype"):
            options[key] = _dtype(options.get(key), key)
        return MixedPrecision(**options)
    raise ModelTypeError(
        "MMFullyShardedDataParallel: mixed_precision must be None, a dict or MixedPrecision, "
        f"got {type(value).__name__}"
    )


def _cpu_offload(value: Any) -> CPUOffload | None:
    if isinstance(value, bool):
        return CPUOffload(offload_params=value)
    if value is None or isinstance(value, CPUOffload):
        return value
    raise ModelTypeError(
        "MMFullyShardedDataParallel: cpu_offload must be None, a bool or CPUOffload, "
        f"got {type(value).__name__}"
    )


def _by_name(module: nn.Module, items: Iterable[Any], kind: str) -> list[Any]:
    """Names of ``ignored_parameters``/``ignored_modules`` -> the objects themselves."""
    table = dict(module.named_parameters() if kind == "parameter" else module.named_modules())
    resolved = []
    for item in items:
        if isinstance(item, str):
            if item not in table:
                raise ModelValueError(
                    f"MMFullyShardedDataParallel: ignored {kind} {item!r} is not in "
                    f"{type(module).__name__}"
                )
            resolved.append(table[item])
        else:
            resolved.append(item)
    return resolved


@MODEL_WRAPPERS.register_module()
class MMFullyShardedDataParallel(FullyShardedDataParallel):
    """FSDP whose ``train_step`` keeps backward and the optimizer step outside the forward."""

    def __init__(
        self,
        module: nn.Module,
        process_group: Any = None,
        sharding_strategy: str | ShardingStrategy | None = None,
        cpu_offload: bool | CPUOffload | None = None,
        auto_wrap_policy: str | Callable[..., Any] | dict | None = None,
        backward_prefetch: str | BackwardPrefetch | None = None,
        mixed_precision: dict | MixedPrecision | None = None,
        param_init_fn: str | Callable[[nn.Module], None] | dict | None = None,
        use_orig_params: bool = True,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("ignored_parameters") is not None:
            kwargs["ignored_parameters"] = _by_name(
                module, kwargs["ignored_parameters"], "parameter"
            )
        if kwargs.get("ignored_modules") is not None:
            kwargs["ignored_modules"] = _by_name(module, kwargs["ignored_modules"], "module")
        super().__init__(
            module=module,
            process_group=process_group,
            sharding_strategy=_enum_member(
                sharding_strategy, ShardingStrategy, "sharding_strategy"
            ),
            cpu_offload=_cpu_offload(cpu_offload),
            auto_wrap_policy=_registered_function(auto_wrap_policy, "auto_wrap_policy"),
            backward_prefetch=_enum_member(
                backward_prefetch, BackwardPrefetch, "backward_prefetch"
            ),
            mixed_precision=_mixed_precision(mixed_precision),
            param_init_fn=_registered_function(param_init_fn, "param_init_fn"),
            use_orig_params=use_orig_params,
            **kwargs,
        )

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        """Forward through FSDP; the loss reduction and the update run after it returned."""
        model: Any = self.module
        with optim_wrapper.optim_context(self):
            data = model.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode="loss")
        parsed_loss, log_vars = model.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        return log_vars

    def val_step(self, data: Any) -> Any:
        model: Any = self.module
        return self._run_forward(model.data_preprocessor(data, False), mode="predict")

    def test_step(self, data: Any) -> Any:
        model: Any = self.module
        return self._run_forward(model.data_preprocessor(data, False), mode="predict")

    def _run_forward(self, data: Any, mode: str) -> Any:
        if isinstance(data, dict):
            return self(**data, mode=mode)
        if isinstance(data, (list, tuple)):
            return self(*data, mode=mode)
        raise ModelTypeError(
            "Output of `data_preprocessor` should be list, tuple or dict, but got "
            f"{type(data).__name__}"
        )
