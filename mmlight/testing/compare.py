"""Assertion helpers of ``mmengine.testing`` that downstream test suites import.

``assert_allclose`` raises like ``torch.testing``; the other ``assert_*`` helpers *return* a
bool (callers write ``assert assert_dict_has_keys(...)``), as mmengine's do. torch is imported
only by the helpers that take tensors or modules.
"""

from __future__ import annotations

import runpy
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from unittest import mock

__all__ = [
    "assert_allclose",
    "assert_attrs_equal",
    "assert_dict_contains_subset",
    "assert_dict_has_keys",
    "assert_is_norm_layer",
    "assert_keys_equal",
    "assert_params_all_zeros",
    "check_python_script",
]

# Default (rtol, atol) per dtype when neither is given: the table of the deprecated
# ``torch.testing.assert_allclose`` that mmengine wraps (looser than ``assert_close``'s).
_TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    msg: str | Callable[[str], str] | None = "",
) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close.

    Non-tensors become tensors (``expected`` in ``actual``'s dtype); dtypes and strides may
    differ, devices may not. Without ``rtol``/``atol`` the tolerance is the loosest of the two
    dtypes' entries in ``_TOLERANCES`` (exact for other dtypes).
    """
    import torch

    if not isinstance(actual, torch.Tensor):
        actual = torch.tensor(actual)
    if not isinstance(expected, torch.Tensor):
        expected = torch.tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        pairs = [_TOLERANCES.get(str(t.dtype).removeprefix("torch."), (0.0, 0.0))
                 for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                               check_device=True, check_dtype=False, check_stride=False,
                               msg=msg or None)


def check_python_script(cmd: str) -> None:
    """Run ``'[python] script.py args...'`` as ``__main__`` in this process (so coverage
    tools see it), with ``sys.argv`` set to the script and its arguments."""
    argv = shlex.split(cmd)
    if argv and argv[0] == "python":
        argv = argv[1:]
    with mock.patch.object(sys, "argv", argv):
        runpy.run_path(argv[0], run_name="__main__")


def _differs(comparison: Any) -> bool:
    """Whether a ``!=`` result says "different": any true element, at any nesting depth, of
    an elementwise result (arrays, tensors, lists of them); the truth of a scalar one."""
    if not isinstance(comparison, Iterable):
        return bool(comparison)
    try:
        return any(_differs(element) for element in comparison)
    except TypeError:  # iterable type, but not this value (a 0-d array or tensor)
        return bool(comparison)


def assert_dict_contains_subset(dict_obj: Mapping[Any, Any],
                                expected_subset: Mapping[Any, Any]) -> bool:
    """Whether every key of ``expected_subset`` is in ``dict_obj`` with an equal value."""
    # keys(), as mmengine: data elements answer `in` by other rules than their keys()
    return all(key in dict_obj.keys() and not _differs(dict_obj[key] != value)  # noqa: SIM118
               for key, value in expected_subset.items())


def assert_attrs_equal(obj: Any, expected_attrs: Mapping[str, Any]) -> bool:
    """Whether ``obj`` has every attribute of ``expected_attrs``, with an equal value."""
    return all(hasattr(obj, name) and not _differs(getattr(obj, name) != value)
               for name, value in expected_attrs.items())


def assert_dict_has_keys(obj: Mapping[Any, Any], expected_keys: Iterable[Any]) -> bool:
    """Whether ``obj`` has all of ``expected_keys`` (and maybe more)."""
    return set(expected_keys).issubset(obj.keys())


def assert_keys_equal(result_keys: Iterable[Any], target_keys: Iterable[Any]) -> bool:
    """Whether the two collections hold the same keys, in any order."""
    return set(result_keys) == set(target_keys)


def assert_is_norm_layer(module: Any) -> bool:
    """Whether ``module`` is a batch, instance, group or layer norm."""
    from torch.nn import GroupNorm, LayerNorm

    from mmlight.utils.dl_utils.parrots_wrapper import _BatchNorm, _InstanceNorm

    return isinstance(module, (_BatchNorm, _InstanceNorm, GroupNorm, LayerNorm))


def assert_params_all_zeros(module: Any) -> bool:
    """Whether ``module.weight`` (and ``module.bias``, if it has one) is all zeros."""
    tensors = [module.weight.data]
    if getattr(module, "bias", None) is not None:
        tensors.append(module.bias.data)
    return all(bool(t.allclose(t.new_zeros(t.size()))) for t in tensors)
