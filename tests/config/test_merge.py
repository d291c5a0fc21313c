"""merge_a_into_b: the inheritance merge rule and its error messages."""

from __future__ import annotations

import pytest

from mmlight.config import Config, ConfigDict
from mmlight.config.merge import MergeSides, merge_a_into_b


def test_merge_rules() -> None:
    base = ConfigDict(a=dict(x=1, y=dict(z=2)), b=[1, 2], c=1)
    merged = merge_a_into_b(dict(a=dict(y=dict(w=3)), b=[3], d=dict(e=1)), base)
    assert merged == {"a": {"x": 1, "y": {"z": 2, "w": 3}}, "b": [3], "c": 1, "d": {"e": 1}}
    assert base == {"a": {"x": 1, "y": {"z": 2}}, "b": [1, 2], "c": 1}  # b not modified
    assert type(merged) is ConfigDict and type(merged.d) is ConfigDict


def test_delete_key() -> None:
    base = ConfigDict(a=dict(x=1), b=1)
    child = dict(a=dict(_delete_=True, y=2))
    assert merge_a_into_b(child, base) == {"a": {"y": 2}, "b": 1}
    assert child == dict(a=dict(_delete_=True, y=2))  # the child is not modified
    # _delete_ lets a dict replace a non-dict
    assert merge_a_into_b(dict(b=dict(_delete_=True, k=1)), base).b == {"k": 1}


def test_dict_over_non_dict_names_both_files() -> None:
    sides = MergeSides(child="child.py", base_file_of={"opt": "base.yaml"}.get)
    with pytest.raises(
        TypeError,
        match=r"opt\.lr=\{'x': 1\} in child config child\.py cannot inherit from base because "
        r"opt\.lr is a dict in the child config but is of type float in base config base\.yaml",
    ):
        merge_a_into_b(dict(opt=dict(lr=dict(x=1))), ConfigDict(opt=dict(lr=0.1)), sides=sides)


def test_list_keys() -> None:
    base = ConfigDict(p=[dict(a=1), dict(b=2)])
    merged = merge_a_into_b({"p": {"1": dict(c=3)}}, base, allow_list_keys=True)
    assert merged.p == [dict(a=1), dict(b=2, c=3)]
    assert base.p[1] == dict(b=2)


def test_private_helper_is_kept_for_callers() -> None:
    merged = Config._merge_a_into_b(dict(obj=dict(_delete_=True, a=2)), dict(obj=dict(a=1)))
    assert merged == {"obj": {"a": 2}}
    assert Config._merge_a_into_b({"0": dict(a=2)}, {"x": 1}) == {"x": 1, "0": {"a": 2}}
