"""Parity harness: run a scenario on mmengine's and mmlight's structures, compare observations.

A scenario is a function ``scenario(S, rec)``: ``S`` is ``mmengine.structures`` or
``mmlight.structures``; ``rec(label, fn)`` calls ``fn`` and records a comparable picture of its
result, of the exception it raised, and of the warnings it emitted. The ``check_parity`` fixture
runs a scenario on both and asserts every step matches; an mmlight error must have mmengine's
type and contain mmengine's message.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _neutral(text: str) -> str:
    """Text with object addresses and the two packages' module paths made equal."""
    text = _ADDRESS.sub("0x?", text)
    return text.replace("mmengine.structures", "mmlight.structures")


def picture(value: Any) -> Any:
    """A plain, comparable description of ``value`` (tensors by content, elements by fields)."""
    if isinstance(value, torch.Tensor):
        return (
            "tensor",
            str(value.dtype),
            tuple(value.shape),
            value.detach().cpu().tolist(),
            value.device.type,
            value.requires_grad,
        )
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape, value.tolist())
    if hasattr(value, "all_items") and hasattr(value, "metainfo_keys"):
        return (
            "element",
            type(value).__name__,
            value.metainfo_keys(),
            value.keys(),
            [(key, picture(item)) for key, item in value.all_items()],
            _neutral(repr(value)),
        )
    if isinstance(value, dict):
        return ("dict", [(key, picture(item)) for key, item in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [picture(item) for item in value])
    if callable(value) and not isinstance(value, type):
        return ("callable", getattr(value, "__name__", "?"))
    if isinstance(value, str):
        return _neutral(value)
    if isinstance(value, (int, float, bool, type(None))):
        return value
    return (type(value).__name__, _neutral(repr(value)))


@dataclass
class Observation:
    label: str
    outcome: str  # "value" or "raised"
    detail: Any
    warnings: list[str] = field(default_factory=list)


class Recorder:
    """Collects one :class:`Observation` per ``rec(label, fn)`` call."""

    def __init__(self) -> None:
        self.observations: list[Observation] = []

    def __call__(self, label: str, fn: Callable[[], Any]) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn()
            except Exception as error:  # the error itself is what gets compared
                outcome = Observation(label, "raised", (type(error).__name__, str(error)))
                result = None
            else:
                outcome = Observation(label, "value", picture(result))
        outcome.warnings = [
            f"{w.category.__name__}: {_neutral(str(w.message))}"
            for w in caught
            if not issubclass(w.category, DeprecationWarning)
        ]
        self.observations.append(outcome)
        return result


def run_scenario(scenario: Callable[[ModuleType, Recorder], None], package: ModuleType) -> list:
    rec = Recorder()
    scenario(package, rec)
    return rec.observations


def assert_same_observations(expected: list, actual: list) -> None:
    """mmengine's observations (``expected``) against mmlight's (``actual``), step by step."""
    assert [o.label for o in actual] == [o.label for o in expected]
    for want, got in zip(expected, actual):
        where = f"step {want.label!r}"
        assert got.outcome == want.outcome, f"{where}: mmengine {want}, mmlight {got}"
        assert got.warnings == want.warnings, where
        if want.outcome == "raised":
            want_type, want_message = want.detail
            got_type, got_message = got.detail
            assert got_type == want_type, f"{where}: {got.detail} vs mmengine {want.detail}"
            assert _neutral(want_message) in _neutral(got_message), (
                f"{where}: mmlight's message {got_message!r} lacks mmengine's {want_message!r}"
            )
        else:
            assert got.detail == want.detail, where


Scenario = Callable[[ModuleType, Recorder], None]


@pytest.fixture
def check_parity() -> Callable[[Scenario], list]:
    """``check_parity(scenario)`` runs it on both packages, compares, returns mmlight's record."""
    mmengine_structures = pytest.importorskip("mmengine.structures")
    import mmlight.structures as mmlight_structures

    def check(scenario: Scenario) -> list:
        expected = run_scenario(scenario, mmengine_structures)
        actual = run_scenario(scenario, mmlight_structures)
        assert_same_observations(expected, actual)
        return actual

    return check
