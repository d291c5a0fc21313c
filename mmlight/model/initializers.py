"""Initializer classes that init_cfg dicts name (``type="Kaiming"`` ...), in WEIGHT_INITIALIZERS.

An initializer is called on a module and initialises either every submodule whose class (or a
direct base class) is named in ``layer``, or, when ``wholemodule`` is set (the ``override``
path), every submodule regardless of type.
"""

from __future__ import annotations

import difflib
import inspect
from typing import TYPE_CHECKING, Any

from mmlight.registry import WEIGHT_INITIALIZERS

from .errors import ModelTypeError
from .init_functions import (
    _check_distribution,
    bias_init_with_prob,
    constant_init,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    update_init_info,
    xavier_init,
)

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "BaseInit",
    "Caffe2XavierInit",
    "ConstantInit",
    "KaimingInit",
    "NormalInit",
    "PretrainedInit",
    "TruncNormalInit",
    "UniformInit",
    "XavierInit",
]


def _class_and_base_names(module: nn.Module) -> set[str]:
    cls = type(module)
    return {cls.__name__, *(base.__name__ for base in cls.__bases__)}


def _accepted_arguments(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        params = inspect.signature(init).parameters.values()
        for param in params:
            keyword = param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)
            if keyword and param.name != "self" and param.name not in names:
                names.append(param.name)
        if klass is BaseInit or not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def _unknown_arguments_error(cls: type, unknown: dict[str, Any]) -> TypeError:
    """Initializers pass ``**kwargs`` up to BaseInit, so a typo only surfaces here."""
    accepted = _accepted_arguments(cls)
    parts = []
    for key in unknown:
        close = difflib.get_close_matches(key, accepted, n=1)
        parts.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
    return InitArgumentError(
        f"{cls.__name__} got unexpected init_cfg argument(s) {', '.join(parts)}; "
        f"it accepts {accepted} (plus 'type' and 'override')"
    )


class InitArgumentError(TypeError):
    """An init_cfg passes an argument the initializer does not take."""


class BaseInit:
    """Shared arguments: ``bias`` value (or ``bias_prob``) and the ``layer`` type names to touch."""

    def __init__(
        self,
        *,
        bias: float = 0,
        bias_prob: float | None = None,
        layer: str | list[str] | None = None,
        **unknown: Any,
    ) -> None:
        self.wholemodule = False
        name = type(self).__name__
        if unknown:
            raise _unknown_arguments_error(type(self), unknown)
        if not isinstance(bias, (int, float)):
            raise ModelTypeError(
                f"{name}: bias must be a number, but got {bias!r} ({type(bias).__name__})"
            )
        if bias_prob is not None and not isinstance(bias_prob, float):
            raise ModelTypeError(
                f"{name}: bias_prob must be a float such as 0.01, but got {bias_prob!r} "
                f"({type(bias_prob).__name__})"
            )
        if layer is not None and not isinstance(layer, (str, list)):
            raise ModelTypeError(
                f"{name}: layer must be a layer type name or a list of them (e.g. 'Conv2d' or "
                f"['Conv2d', 'Linear']), but got {layer!r} ({type(layer).__name__})"
            )
        self.bias: float = bias if bias_prob is None else bias_init_with_prob(bias_prob)
        if layer is None:
            layer = []
        self.layer: list[str] = [layer] if isinstance(layer, str) else layer

    def __call__(self, module: nn.Module) -> None:
        wanted = set(self.layer)

        def visit(m: nn.Module) -> None:
            if self.wholemodule or wanted & _class_and_base_names(m):
                self._init_module(m)

        module.apply(visit)
        if hasattr(module, "_params_init_info"):
            update_init_info(module, init_info=self._get_init_info())

    def _init_module(self, module: nn.Module) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement _init_module")

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}, bias={self.bias}"


@WEIGHT_INITIALIZERS.register_module(name="Constant")
class ConstantInit(BaseInit):
    def __init__(self, val: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.val = val

    def _init_module(self, module: nn.Module) -> None:
        constant_init(module, self.val, self.bias)

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: val={self.val}, bias={self.bias}"


@WEIGHT_INITIALIZERS.register_module(name="Xavier")
class XavierInit(BaseInit):
    def __init__(self, gain: float = 1, distribution: str = "normal", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_distribution(distribution, type(self).__name__)
        self.gain = gain
        self.distribution = distribution

    def _init_module(self, module: nn.Module) -> None:
        xavier_init(module, self.gain, self.bias, self.distribution)

    def _get_init_info(self) -> str:
        return (
            f"{type(self).__name__}: gain={self.gain}, "
            f"distribution={self.distribution}, bias={self.bias}"
        )


@WEIGHT_INITIALIZERS.register_module(name="Normal")
class NormalInit(BaseInit):
    def __init__(self, mean: float = 0, std: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mean = mean
        self.std = std

    def _init_module(self, module: nn.Module) -> None:
        normal_init(module, self.mean, self.std, self.bias)

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: mean={self.mean}, std={self.std}, bias={self.bias}"


@WEIGHT_INITIALIZERS.register_module(name="TruncNormal")
class TruncNormalInit(BaseInit):
    def __init__(
        self, mean: float = 0, std: float = 1, a: float = -2, b: float = 2, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.mean = mean
        self.std = std
        self.a = a
        self.b = b

    def _init_module(self, module: nn.Module) -> None:
        trunc_normal_init(module, self.mean, self.std, self.a, self.b, self.bias)

    def _get_init_info(self) -> str:
        return (
            f"{type(self).__name__}: a={self.a}, b={self.b}, "
            f"mean={self.mean}, std={self.std}, bias={self.bias}"
        )


@WEIGHT_INITIALIZERS.register_module(name="Uniform")
class UniformInit(BaseInit):
    def __init__(self, a: float = 0, b: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.a = a
        self.b = b

    def _init_module(self, module: nn.Module) -> None:
        uniform_init(module, self.a, self.b, self.bias)

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: a={self.a}, b={self.b}, bias={self.bias}"


@WEIGHT_INITIALIZERS.register_module(name="Kaiming")
class KaimingInit(BaseInit):
    def __init__(
        self,
        a: float = 0,
        mode: str = "fan_out",
        nonlinearity: str = "relu",
        distribution: str = "normal",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _check_distribution(distribution, type(self).__name__)
        self.a = a
        self.mode = mode
        self.nonlinearity = nonlinearity
        self.distribution = distribution

    def _init_module(self, module: nn.Module) -> None:
        kaiming_init(module, self.a, self.mode, self.nonlinearity, self.bias, self.distribution)

    def _get_init_info(self) -> str:
        return (
            f"{type(self).__name__}: a={self.a}, mode={self.mode}, "
            f"nonlinearity={self.nonlinearity}, distribution={self.distribution}, "
            f"bias={self.bias}"
        )


@WEIGHT_INITIALIZERS.register_module(name="Caffe2Xavier")
class Caffe2XavierInit(KaimingInit):
    """Kaiming uniform with Caffe2 ``XavierFill``'s fixed arguments; only bias/layer are free."""

    def __init__(
        self,
        *,
        bias: float = 0,
        bias_prob: float | None = None,
        layer: str | list[str] | None = None,
    ) -> None:
        super().__init__(
            a=1,
            mode="fan_in",
            nonlinearity="leaky_relu",
            distribution="uniform",
            bias=bias,
            bias_prob=bias_prob,
            layer=layer,
        )


@WEIGHT_INITIALIZERS.register_module(name="Pretrained")
class PretrainedInit:
    """Load weights from a checkpoint file; ``prefix`` picks a sub-tree (e.g. ``'backbone.'``).

    ``BaseModule.init_weights`` applies these last so loaded weights win over other init_cfgs.
    """

    def __init__(
        self, checkpoint: str, prefix: str | None = None, map_location: Any = "cpu"
    ) -> None:
        self.wholemodule = False
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.map_location = map_location

    def __call__(self, module: nn.Module) -> None:
        from ._pretrained import load_pretrained

        load_pretrained(module, self.checkpoint, self.prefix, self.map_location)
        if hasattr(module, "_params_init_info"):
            update_init_info(module, init_info=self._get_init_info())

    def _get_init_info(self) -> str:
        return f"{type(self).__name__}: load from {self.checkpoint}"
