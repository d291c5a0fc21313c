"""pseudo_collate / default_collate / worker_init_fn."""

from __future__ import annotations

import random
from collections import OrderedDict, defaultdict, namedtuple

import numpy as np
import pytest
import torch

from mmlight.dataset import COLLATE_FUNCTIONS, default_collate, pseudo_collate, worker_init_fn
from mmlight.dataset.utils import DataElementLike
from mmlight.registry import FUNCTIONS

Point = namedtuple("Point", ["x", "y"])


class FakeDataElement:
    """Duck-typed stand-in for mmengine's BaseDataElement (to_dict + keys, not a Mapping)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def to_dict(self) -> dict:
        return {"value": self.value}

    def keys(self) -> list[str]:
        return ["value"]


def test_collate_functions_are_registered_and_aliased() -> None:
    assert COLLATE_FUNCTIONS is FUNCTIONS
    assert FUNCTIONS.get("pseudo_collate") is pseudo_collate
    assert FUNCTIONS.get("default_collate") is default_collate


def test_worker_init_fn_is_not_registered_like_mmengine() -> None:
    assert FUNCTIONS.get("worker_init_fn") is None


def test_pseudo_collate_transposes_without_stacking() -> None:
    t0, t1 = torch.zeros(2), torch.ones(3)
    batch = [
        {"inputs": t0, "label": 0, "meta": ("a", 1.5), "p": Point(1, 2)},
        {"inputs": t1, "label": 1, "meta": ("b", 2.5), "p": Point(3, 4)},
    ]
    out = pseudo_collate(batch)
    assert type(out) is dict
    assert out["inputs"][0] is t0 and out["inputs"][1] is t1
    assert out["label"] == [0, 1]
    assert out["meta"] == [("a", "b"), (1.5, 2.5)]  # the outer tuple becomes a list
    assert out["p"] == Point((1, 3), (2, 4))  # leaves inside sequences are zip tuples


def test_pseudo_collate_keeps_sequence_and_mapping_types() -> None:
    assert pseudo_collate([[1, 2], [3, 4]]) == [(1, 3), (2, 4)]
    out = pseudo_collate([OrderedDict(a=1), OrderedDict(a=2)])
    assert type(out) is OrderedDict and out == OrderedDict(a=[1, 2])
    assert pseudo_collate([range(2), range(2)]) == [(0, 0), (1, 1)]  # range cannot be rebuilt
    assert pseudo_collate(["ab", "cd"]) == ["ab", "cd"]


def test_mappings_that_cannot_be_rebuilt_fall_back_to_dict() -> None:
    batch = [defaultdict(int, a=1), defaultdict(int, a=2)]
    assert pseudo_collate(batch) == {"a": [1, 2]}


def test_unequal_sequences_are_an_error() -> None:
    with pytest.raises(RuntimeError, match=r"equal size; got sequences of lengths \[2, 1\]"):
        pseudo_collate([[1, 2], [3]])


def test_default_collate_stacks_leaves() -> None:
    batch = [
        {"x": torch.tensor([1.0, 2.0]), "n": 1, "f": 0.5, "arr": np.zeros(2), "s": "a"},
        {"x": torch.tensor([3.0, 4.0]), "n": 2, "f": 1.5, "arr": np.ones(2), "s": "b"},
    ]
    out = default_collate(batch)
    assert torch.equal(out["x"], torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert out["n"].dtype == torch.int64 and out["n"].tolist() == [1, 2]
    assert out["f"].dtype == torch.float64
    assert out["arr"].shape == (2, 2)
    assert out["s"] == ["a", "b"]


def test_default_collate_leaves_data_elements_as_lists() -> None:
    elements = [FakeDataElement(1), FakeDataElement(2)]
    assert isinstance(elements[0], DataElementLike)
    out = default_collate([{"inputs": torch.zeros(1), "data_samples": e} for e in elements])
    assert out["data_samples"] == elements
    assert out["inputs"].shape == (2, 1)


def test_a_mapping_with_to_dict_is_still_recursed_into() -> None:
    class ConfigLikeDict(dict):
        def to_dict(self) -> dict:
            return dict(self)

    out = default_collate([ConfigLikeDict(a=1), ConfigLikeDict(a=2)])
    assert type(out) is ConfigLikeDict
    assert out["a"].tolist() == [1, 2]


def test_worker_init_fn_seeds_all_three_rngs() -> None:
    worker_init_fn(worker_id=1, num_workers=4, rank=2, seed=10)  # 4 * 2 + 1 + 10 = 19
    drawn = (np.random.rand(), random.random(), torch.rand(1).item())
    np.random.seed(19)
    random.seed(19)
    torch.manual_seed(19)
    assert drawn == (np.random.rand(), random.random(), torch.rand(1).item())


def test_worker_init_fn_can_silence_warnings_in_other_workers() -> None:
    import warnings

    with warnings.catch_warnings():
        before = list(warnings.filters)
        worker_init_fn(0, 2, 0, 0, disable_subprocess_warning=True)  # worker 0 keeps warnings
        assert warnings.filters == before
        worker_init_fn(1, 2, 0, 0, disable_subprocess_warning=True)
        assert warnings.filters[0][:3] == ("ignore", None, Warning)
