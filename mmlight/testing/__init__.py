"""Test helpers with ``mmengine.testing``'s names, for test suites migrated to mmlight.

Not here yet: ``RunnerTestCase`` (mmengine's runner fixture) and ``testing._internal``'s
``MultiProcessTestCase``.
"""

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
    "assert_allclose",
    "assert_attrs_equal",
    "assert_dict_contains_subset",
    "assert_dict_has_keys",
    "assert_is_norm_layer",
    "assert_keys_equal",
    "assert_params_all_zeros",
    "check_python_script",
]
