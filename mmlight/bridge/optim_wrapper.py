"""mmengine's ``OptimWrapper``/``OptimWrapperDict`` adopted as mmlight's, same optimizer object.

A downstream optim-wrapper constructor (layer-wise learning-rate decay, one optimizer per
sub-network) builds mmengine's wrappers. mmlight's Runner binds each wrapper to Lightning's
manual optimization (a stepper: backward through ``manual_backward``, step through the
``LightningOptimizer``, clipping in ``on_before_optimizer_step``), which mmengine's wrapper knows
nothing of. Its state is a handful of settings around the torch optimizer, so the Runner takes
an mmlight wrapper over *the same* optimizer (param groups, lrs, momentum buffers: the objects
the constructor made and the schedulers step) with the same ``accumulative_counts``,
``clip_grad`` and counters. Subclasses of mmengine's wrapper (``AmpOptimWrapper`` and
downstream ones) override what they do around backward and step; they are refused by name
rather than silently run as a plain wrapper.
"""

from __future__ import annotations

from typing import Any

from mmengine.optim import OptimWrapper as EngineOptimWrapper
from mmengine.optim import OptimWrapperDict as EngineOptimWrapperDict

from mmlight.optim import OptimWrapper, OptimWrapperDict

__all__ = ["adopt_optim_wrapper", "adopt_optim_wrapper_dict"]


def _clip_grad(wrapper: EngineOptimWrapper) -> dict[str, Any] | None:
    """The ``clip_grad`` config mmengine's wrapper was made with (it pops ``type``)."""
    if not wrapper.clip_grad_kwargs:
        return None
    clip_type = "value" if getattr(wrapper, "grad_name", "grad_norm") == "grad_value" else "norm"
    return dict(wrapper.clip_grad_kwargs, type=clip_type)


def adopt_optim_wrapper(wrapper: EngineOptimWrapper) -> OptimWrapper:
    """mmlight's ``OptimWrapper`` over ``wrapper``'s optimizer, settings and counters."""
    if type(wrapper) is not EngineOptimWrapper:
        kind = type(wrapper)
        raise TypeError(
            f"optim_wrapper: {kind.__module__}.{kind.__qualname__} is a subclass of mmengine's "
            "OptimWrapper; mmlight drives mmengine's OptimWrapper (and OptimWrapperDict) through "
            "Lightning by adopting its optimizer and settings, but cannot carry over what a "
            "subclass changes. Have the constructor build mmlight's wrapper of that kind "
            "(mmlight.registry.OPTIM_WRAPPERS, e.g. type='AmpOptimWrapper') or a plain "
            "OptimWrapper"
        )
    own = OptimWrapper(
        wrapper.optimizer,
        accumulative_counts=wrapper._accumulative_counts,
        clip_grad=_clip_grad(wrapper),
    )
    own._inner_count = wrapper._inner_count
    own._max_counts = wrapper._max_counts
    own._remainder_counts = getattr(wrapper, "_remainder_counts", -1)
    return own


def adopt_optim_wrapper_dict(wrappers: EngineOptimWrapperDict) -> OptimWrapperDict:
    """mmlight's ``OptimWrapperDict`` of the adopted wrappers, names and order kept."""
    return OptimWrapperDict(
        **{name: adopt_optim_wrapper(wrapper) for name, wrapper in wrappers.items()}
    )
