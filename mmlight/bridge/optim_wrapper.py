"""mmengine's ``OptimWrapper``/``OptimWrapperDict`` adopted as mmlight's, same optimizer object.

A downstream optim-wrapper constructor (layer-wise learning-rate decay, one optimizer per
sub-network) builds mmengine's wrappers. mmlight's Runner binds each wrapper to Lightning's
manual optimization (a stepper: backward through ``manual_backward``, step through the
``LightningOptimizer``, clipping in ``on_before_optimizer_step``), which mmengine's wrapper knows
nothing of. Its state is a handful of settings around the torch optimizer, so the Runner takes
an mmlight wrapper over *the same* optimizer (param groups, lrs, momentum buffers: the objects
the constructor made and the schedulers step) with the same ``accumulative_counts``,
``clip_grad`` and counters. mmengine's ``AmpOptimWrapper`` becomes mmlight's, with the same
cast dtype and the same ``GradScaler`` object (its scale and growth state carry over; a static
``loss_scale`` stays static), so the precision plugin scales with it. Other subclasses of
mmengine's wrapper override what they do around backward and step; they are refused by name
rather than silently run as a plain wrapper.
"""

from __future__ import annotations

from typing import Any

from mmengine.optim import AmpOptimWrapper as EngineAmpOptimWrapper
from mmengine.optim import OptimWrapper as EngineOptimWrapper
from mmengine.optim import OptimWrapperDict as EngineOptimWrapperDict

from mmlight.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict

__all__ = ["adopt_optim_wrapper", "adopt_optim_wrapper_dict"]


def _clip_grad(wrapper: EngineOptimWrapper) -> dict[str, Any] | None:
    """The ``clip_grad`` config mmengine's wrapper was made with (it pops ``type``)."""
    if not wrapper.clip_grad_kwargs:
        return None
    clip_type = "value" if getattr(wrapper, "grad_name", "grad_norm") == "grad_value" else "norm"
    return dict(wrapper.clip_grad_kwargs, type=clip_type)


def adopt_optim_wrapper(wrapper: EngineOptimWrapper) -> OptimWrapper:
    """mmlight's ``OptimWrapper`` over ``wrapper``'s optimizer, settings and counters."""
    if type(wrapper) is EngineAmpOptimWrapper:
        return _adopt_amp(wrapper)
    if type(wrapper) is not EngineOptimWrapper:
        kind = type(wrapper)
        raise TypeError(
            f"optim_wrapper: {kind.__module__}.{kind.__qualname__} is a subclass of mmengine's "
            "OptimWrapper; mmlight drives mmengine's OptimWrapper (and OptimWrapperDict) through "
            "Lightning by adopting its optimizer and settings, but cannot carry over what a "
            "subclass changes (only AmpOptimWrapper is carried over). Have the constructor "
            "build mmlight's wrapper of that kind (from mmlight.registry.OPTIM_WRAPPERS) or a "
            "plain OptimWrapper"
        )
    own = OptimWrapper(
        wrapper.optimizer,
        accumulative_counts=wrapper._accumulative_counts,
        clip_grad=_clip_grad(wrapper),
    )
    return _with_counters(own, wrapper)


def _with_counters(own: OptimWrapper, wrapper: EngineOptimWrapper) -> OptimWrapper:
    own._inner_count = wrapper._inner_count
    own._max_counts = wrapper._max_counts
    own._remainder_counts = getattr(wrapper, "_remainder_counts", -1)
    return own


def _adopt_amp(wrapper: EngineAmpOptimWrapper) -> OptimWrapper:
    """mmlight's ``AmpOptimWrapper``: same optimizer, settings, dtype and loss scaler."""
    from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler

    static = wrapper._scale_update_param
    own = AmpOptimWrapper(
        optimizer=wrapper.optimizer,
        accumulative_counts=wrapper._accumulative_counts,
        clip_grad=_clip_grad(wrapper),
        loss_scale=static if static is not None else "dynamic",
        dtype=wrapper.cast_dtype,
        use_fsdp=isinstance(wrapper.loss_scaler, ShardedGradScaler),
    )
    if own.loss_scaler is not None:  # (none where mmlight autocasts bf16 or on CPU)
        own.loss_scaler = wrapper.loss_scaler
    return _with_counters(own, wrapper)


def adopt_optim_wrapper_dict(wrappers: EngineOptimWrapperDict) -> OptimWrapperDict:
    """mmlight's ``OptimWrapperDict`` of the adopted wrappers, names and order kept."""
    return OptimWrapperDict(
        **{name: adopt_optim_wrapper(wrapper) for name, wrapper in wrappers.items()}
    )
