"""Test helpers with ``mmengine.testing``'s names, for test suites migrated to mmlight.

``RunnerTestCase`` needs torch and the Runner; it is imported when first named.
``mmlight.testing._internal.MultiProcessTestCase`` runs a test in several spawned processes.
"""

from __future__ import annotations

import importlib
from typing import Any

from mmlight.testing.compare import (
    assert_allclose,
    assert_attrs_equal,
    assert_dict_contains_subset,
    assert_dict_has_keys,
    assert_is_norm_layer,
    assert_keys_equal,
    assert_params_all_zeros,
    check_python_script,
)

__all__ = [
    "RunnerTestCase",
    "assert_allclose",
    "assert_attrs_equal",
    "assert_dict_contains_subset",
    "assert_dict_has_keys",
    "assert_is_norm_layer",
    "assert_keys_equal",
    "assert_params_all_zeros",
    "check_python_script",
]


def __getattr__(name: str) -> Any:
    if name == "RunnerTestCase":
        return importlib.import_module("mmlight.testing.runner_test_case").RunnerTestCase
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
