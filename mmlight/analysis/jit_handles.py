"""Per-operator counting rules for a traced graph (mmengine's ``analysis.jit_handles``).

A *handle* receives the ``torch._C.Value`` inputs and outputs of one traced node and returns
a count: a number (filed under the op's short name) or a ``Counter`` keyed by names of its
choosing. One fused multiply-add counts as one flop, as in fvcore and mmengine.

The counts equal mmengine 0.10.7's with two intended differences:

* ``matmul_flop_jit`` multiplies by the broadcast batch size of *both* operands. mmengine
  takes the batch from the first operand only, so ``(m, k) @ (b, k, n)`` counts ``m*k*n``
  although ``b*m*k*n`` multiply-adds run (``torch.utils.flop_counter`` agrees with the latter).
* ``einsum_flop_jit`` returns an ``int`` where mmengine returns a ``float`` for the generic
  equation path; the value is the same, and tables print ``12`` rather than ``12.0``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Union

__all__ = [
    "Handle",
    "addmm_flop_jit",
    "batchnorm_flop_jit",
    "bmm_flop_jit",
    "conv_flop_count",
    "conv_flop_jit",
    "einsum_flop_jit",
    "elementwise_flop_counter",
    "generic_activation_jit",
    "get_shape",
    "linear_flop_jit",
    "matmul_flop_jit",
    "norm_flop_counter",
]

#: ``handle(inputs, outputs)`` -> a count, or a Counter of counts by name.
Handle = Callable[[list[Any], list[Any]], Union["Counter[str]", int, float]]


def get_shape(val: Any) -> list[int] | None:
    """The static sizes of a traced value, or None when it is not a fully known tensor
    (``None`` arguments, scalars, lists)."""
    if val.isCompleteTensor():
        return list(val.type().sizes())
    return None


def _shape(val: Any) -> list[int]:
    """The sizes of a value a handle needs to be a tensor."""
    shape = get_shape(val)
    if shape is None:
        raise ValueError(f"expected a tensor of known shape, got {val.type()}")
    return shape


def generic_activation_jit(op_name: str | None = None) -> Handle:
    """A handle counting the elements of the op's first output: as a plain number (filed
    under the op's name), or under ``op_name`` when given."""

    def activation(inputs: list[Any], outputs: list[Any]) -> Counter[str] | int:
        count = math.prod(_shape(outputs[0]))
        return count if op_name is None else Counter({op_name: count})

    return activation


def addmm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``addmm(bias, x, w)``: ``batch * in * out`` for a 2-d ``x`` of ``(batch, in)``."""
    x_shape, w_shape = _shape(inputs[1]), _shape(inputs[2])
    assert len(x_shape) == 2, x_shape
    assert len(w_shape) == 2, w_shape
    return x_shape[0] * x_shape[1] * w_shape[1]


def linear_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``linear(x, weight, bias)``: every input element meets ``out_features`` weights."""
    x_shape, w_shape = _shape(inputs[0]), _shape(inputs[1])
    assert x_shape[-1] == w_shape[-1], (x_shape, w_shape)
    return math.prod(x_shape) * w_shape[0]


def bmm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``bmm`` of ``(n, c, t)`` and ``(n, t, d)``: ``n * c * t * d``."""
    assert len(inputs) == 2, len(inputs)
    n, c, t = _shape(inputs[0])
    return n * c * t * _shape(inputs[1])[-1]


def conv_flop_count(
    x_shape: Sequence[int],
    w_shape: Sequence[int],
    out_shape: Sequence[int],
    transposed: bool = False,
) -> int:
    """Multiply-adds of a convolution (bias ignored): each weight element is applied once per
    batch item and per position of the output (of the input, for a transposed convolution)."""
    positions = (x_shape if transposed else out_shape)[2:]
    return x_shape[0] * math.prod(w_shape) * math.prod(positions)


def conv_flop_jit(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
    """``aten::_convolution``, filed under ``'conv'``; argument 6 says whether it is
    transposed (12 or 13 arguments, depending on the torch version)."""
    assert len(inputs) in (12, 13), len(inputs)
    transposed = bool(inputs[6].toIValue())
    count = conv_flop_count(
        _shape(inputs[0]), _shape(inputs[1]), _shape(outputs[0]), transposed=transposed
    )
    return Counter({"conv": count})


def _canonical_equation(equation: str) -> str:
    """Rename an einsum equation's letters to ``a, b, c, ...`` in order of appearance, so
    equal contractions spelled differently compare equal."""
    equation = equation.replace(" ", "")
    letters = dict.fromkeys(ch for ch in equation if ch.isalpha())
    table = {ord(ch): ord("a") + i for i, ch in enumerate(letters)}
    return equation.translate(table)


def einsum_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``einsum``: the two batched-matmul spellings exactly, any other equation by numpy's
    optimal contraction path (whose flop count has a multiply and an add per MAC)."""
    import numpy as np

    assert len(inputs) >= 2, len(inputs)
    equation = _canonical_equation(inputs[0].toIValue())
    shapes = [_shape(v) for v in inputs[1].node().inputs()]
    if equation == "abc,abd->acd":
        n, c, t = shapes[0]
        return n * c * t * shapes[-1][-1]
    if equation == "abc,adc->adb":
        n, t, g = shapes[0]
        return n * t * g * shapes[-1][1]
    report = np.einsum_path(equation, *[np.zeros(s) for s in shapes], optimize="optimal")[1]
    for line in report.splitlines():
        if "optimized flop" in line.lower():
            return int(float(line.split(":")[-1]) // 2)
    raise NotImplementedError("Unsupported einsum operation.")


def matmul_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``matmul``/``mm``: ``batch * m * k * n`` with numpy's broadcasting of the batch
    dimensions of both operands (a 1-d operand is a row, resp. column, vector)."""
    a, b = (_shape(v) for v in inputs)
    if len(a) == 1:
        a = [1, a[0]]
    if len(b) == 1:
        b = [b[0], 1]
    assert a[-1] == b[-2], [a, b]
    batch = _broadcast(a[:-2], b[:-2])
    return math.prod(batch) * a[-2] * a[-1] * b[-1]


def _broadcast(a: list[int], b: list[int]) -> list[int]:
    """numpy's broadcast of two batch shapes (sizes of 1 stretch)."""
    width = max(len(a), len(b))
    a = [1] * (width - len(a)) + a
    b = [1] * (width - len(b)) + b
    return [max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b)]


def norm_flop_counter(affine_arg_index: int) -> Handle:
    """A handle for a normalization op: a rough 5 flops per input element with an affine
    transform (its weight is argument ``affine_arg_index``), 4 without."""

    def norm_flop(inputs: list[Any], outputs: list[Any]) -> int:
        shape = _shape(inputs[0])
        assert 2 <= len(shape) <= 5, shape
        has_affine = get_shape(inputs[affine_arg_index]) is not None
        return math.prod(shape) * (5 if has_affine else 4)

    return norm_flop


def batchnorm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``batch_norm``: in training it computes statistics (like other norms); in evaluation
    it is a per-channel scale and shift, 2 flops per element (1 without affine weights)."""
    training = inputs[5].toIValue()
    assert isinstance(training, bool), "Signature of aten::batch_norm has changed!"
    if training:
        return int(norm_flop_counter(1)(inputs, outputs))  # type: ignore[arg-type]
    has_affine = get_shape(inputs[1]) is not None
    return math.prod(_shape(inputs[0])) * (2 if has_affine else 1)


def elementwise_flop_counter(input_scale: float = 1, output_scale: float = 0) -> Handle:
    """A handle counting ``input_scale`` flops per element of the first input plus
    ``output_scale`` per element of the first output."""

    def elementwise_flop(inputs: list[Any], outputs: list[Any]) -> int | float:
        count: int | float = 0
        if input_scale != 0:
            count += input_scale * math.prod(_shape(inputs[0]))
        if output_scale != 0:
            count += output_scale * math.prod(_shape(outputs[0]))
        return count

    return elementwise_flop
