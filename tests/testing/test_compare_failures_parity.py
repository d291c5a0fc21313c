"""The helpers fail as mmengine's do: the same exception type and message for the same call.

Downstream tests match on these (``pytest.raises(AssertionError, match='not close')``), and
some rely on a helper raising rather than returning False for a wrong input.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("mmengine.testing")

import mmengine.testing as engine_testing
import torch

from mmlight import testing


def _outcome(helper: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mmengine's torch.testing.assert_allclose warns
        try:
            return "returned", helper(*args, **kwargs)
        except Exception as err:
            return type(err).__name__, str(err)


_CASES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("assert_allclose", (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5])), {}),
    ("assert_allclose", (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5])), dict(msg="note")),
    ("assert_allclose", (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5])),
     dict(msg=lambda text: f"wrapped: {text}")),
    ("assert_allclose", (torch.tensor([1.0, 2.0]), torch.tensor([1.0])), {}),
    ("assert_allclose", (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])), dict(rtol=0.1)),
    ("assert_allclose", (torch.tensor([1, 2]), torch.tensor([1, 3])), {}),
    ("assert_allclose", ("a", "a"), {}),
    ("assert_dict_contains_subset", ({"a": np.array([1, 2])}, {"a": np.array([1, 2, 3])}), {}),
    ("assert_dict_contains_subset", ({"a": torch.ones(2)}, {"a": torch.ones(3)}), {}),
    ("assert_dict_contains_subset", ([], {"a": 1}), {}),
    ("assert_dict_contains_subset", ({"a": [1, [2, 3]]}, {"a": [1, [2, 4]]}), {}),
    ("assert_dict_contains_subset", ({"a": None}, {"a": None}), {}),
    ("assert_attrs_equal", (object(), {"a": 1}), {}),
    ("assert_attrs_equal", (torch.nn.Linear(1, 1), {"in_features": 1, "bias": None}), {}),
    ("assert_dict_has_keys", ([], ["a"]), {}),
    ("assert_dict_has_keys", ({"a": 1}, "a"), {}),
    ("assert_keys_equal", ("ab", ["a", "b"]), {}),
    ("assert_params_all_zeros", (torch.nn.ReLU(),), {}),
    ("assert_is_norm_layer", (None,), {}),
    ("check_python_script", ("python /nonexistent/script.py",), {}),
    ("check_python_script", ("",), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), _CASES,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(_CASES)])
def test_same_outcome_as_mmengine(name: str, args: tuple[Any, ...],
                                  kwargs: dict[str, Any]) -> None:
    ours = _outcome(getattr(testing, name), args, kwargs)
    theirs = _outcome(getattr(engine_testing, name), args, kwargs)
    assert ours == theirs


def test_not_close_message() -> None:
    with pytest.raises(AssertionError, match="Tensor-likes are not close!"):
        testing.assert_allclose(torch.tensor([1.0]), torch.tensor([1.5]))
    with pytest.raises(AssertionError, match=r"^wrapped: Tensor-likes are not close!"):
        testing.assert_allclose(torch.tensor([1.0]), torch.tensor([1.5]),
                                msg=lambda text: f"wrapped: {text}")
