"""``MMDeepSpeedStrategy``: Lightning's DeepSpeed strategy plus mmengine's ``inputs_to_half``.

mmengine's ``DeepSpeedStrategy`` lets the DeepSpeed config decide precision (``fp16``/``bf16``
blocks) and, because the engine then holds half-precision weights, casts the named inputs of
the data preprocessor's output (``inputs_to_half=['inputs']`` or positions ``[0]``) to the
weights' dtype before the forward. Here the same cast runs as a forward hook on the BaseModel's
``data_preprocessor``, so it applies to every step whichever object calls the preprocessor.

DeepSpeed is optional: without it, building this strategy raises an install hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from lightning.pytorch.strategies import DeepSpeedStrategy
from torch import nn

__all__ = ["MMDeepSpeedStrategy", "cast_inputs_half"]


def _to(value: Any, dtype: torch.dtype) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_to(item, dtype) for item in value)
    if isinstance(value, dict):
        return {key: _to(item, dtype) for key, item in value.items()}
    return value.to(dtype) if hasattr(value, "to") else value


def cast_inputs_half(
    inputs: Any, names: Sequence[int | str] | None, dtype: torch.dtype
) -> Any:
    """Cast the entries of ``inputs`` named in ``names`` (keys of a dict, positions of a
    sequence) to ``dtype``, as mmengine's DeepSpeed wrapper does; ``names=None`` changes
    nothing."""
    if names is None:
        return inputs
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(
            _to(value, dtype) if index in names else value for index, value in enumerate(inputs)
        )
    if isinstance(inputs, dict):
        for key in list(inputs):
            if key in names:
                inputs[key] = _to(inputs[key], dtype)
        return inputs
    raise TypeError(f"inputs should be list, tuple or dict, but got {type(inputs)}")


class MMDeepSpeedStrategy(DeepSpeedStrategy):
    """DeepSpeed with mmengine's ``inputs_to_half``; every other argument is Lightning's."""

    strategy_name = "mm_deepspeed"

    def __init__(self, inputs_to_half: Sequence[int | str] | None = None, **kwargs: Any):
        from mmlight.lightning.mm_strategies import deepspeed_install_hint

        missing = deepspeed_install_hint("strategy=dict(type='DeepSpeedStrategy')")
        if missing is not None:
            raise missing
        super().__init__(**kwargs)
        self.inputs_to_half = None if inputs_to_half is None else list(inputs_to_half)
        self._cast_handle: Any = None

    def setup(self, trainer: Any) -> None:
        self._install_cast()
        super().setup(trainer)

    def teardown(self) -> None:
        if self._cast_handle is not None:
            self._cast_handle.remove()
            self._cast_handle = None
        super().teardown()

    def _install_cast(self) -> None:
        """A forward hook on the BaseModel's data preprocessor that casts the named inputs."""
        if self.inputs_to_half is None or self._cast_handle is not None:
            return
        model = getattr(self.lightning_module, "model", None)
        preprocessor = getattr(model, "data_preprocessor", None)
        if not isinstance(model, nn.Module) or not isinstance(preprocessor, nn.Module):
            return
        names = self.inputs_to_half

        def cast(module: nn.Module, args: Any, output: Any) -> Any:
            dtype = next(model.parameters()).dtype
            return cast_inputs_half(output, names, dtype)

        self._cast_handle = preprocessor.register_forward_hook(cast)
