"""Compose: callables and TRANSFORMS dicts, stopping at None."""

from __future__ import annotations

import pytest

from mmlight.dataset import Compose
from mmlight.registry import TRANSFORMS


class AddOne:
    def __call__(self, data: dict) -> dict:
        data["x"] += 1
        return data

    def __repr__(self) -> str:
        return "AddOne()"


TRANSFORMS.register_module(name="ComposeTestAddOne", module=AddOne, force=True)
TRANSFORMS.register_module(name="ComposeTestNotCallable", module=dict, force=True)


def test_applies_callables_and_registered_dicts_in_order() -> None:
    pipeline = Compose([AddOne(), dict(type="ComposeTestAddOne"), lambda d: {**d, "y": d["x"]}])
    assert pipeline({"x": 0}) == {"x": 2, "y": 2}


def test_none_stops_the_chain() -> None:
    called = []
    pipeline = Compose([lambda d: None, lambda d: called.append(d)])
    assert pipeline({"x": 0}) is None
    assert called == []


def test_none_or_empty_is_the_identity() -> None:
    assert Compose(None)({"a": 1}) == {"a": 1}
    assert Compose([]).transforms == []


def test_rejects_non_callables_naming_the_position() -> None:
    with pytest.raises(TypeError, match=r"pipeline\[1\] is a int: 3"):
        Compose([AddOne(), 3])


def test_rejects_a_dict_that_builds_a_non_callable() -> None:
    with pytest.raises(TypeError, match=r"pipeline\[0\] \(type='ComposeTestNotCallable'\)"):
        Compose([dict(type="ComposeTestNotCallable")])


def test_repr_lists_transforms() -> None:
    assert repr(Compose([AddOne()])) == "Compose(\n    AddOne()\n)"
