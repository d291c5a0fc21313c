"""InstanceData: one length for every data field, tensor-style indexing, and ``cat``."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.structures import BaseDataElement, InstanceData


class Rows:
    """A custom field value with ``__len__``, ``__getitem__`` (an int keeps the dimension)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, int):
            item = slice(item, None, len(self))
        return type(self)(self.rows[item])


class CatRows(Rows):
    @staticmethod
    def cat(parts: list) -> CatRows:
        return CatRows([row for part in parts for row in part.rows])


def make_instances() -> InstanceData:
    return InstanceData(
        metainfo=dict(img_shape=(10, 10)),
        bboxes=torch.arange(12.0).view(3, 4),
        scores=np.array([0.1, 0.5, 0.9]),
        names=["a", "b", "c"],
        ids=(7, 8, 9),
        code="xyz",
        rows=CatRows([[0], [1], [2]]),
    )


def fields(inst: InstanceData) -> dict:
    """Plain-Python view of every data field, to compare selections."""
    out = {}
    for key, value in inst.items():
        if isinstance(value, (torch.Tensor, np.ndarray)):
            out[key] = value.tolist()
        elif isinstance(value, Rows):
            out[key] = value.rows
        else:
            out[key] = value
    return out


def test_len_follows_the_data_fields() -> None:
    assert len(InstanceData()) == 0
    inst = make_instances()
    assert len(inst) == 3
    inst.set_metainfo(dict(anything=[1, 2, 3, 4, 5]))  # metainfo has no length rule
    assert len(inst) == 3


def test_values_must_share_the_length() -> None:
    inst = make_instances()
    with pytest.raises(
        AssertionError,
        match=re.escape(
            "The length of values 2 is not consistent with the length of this :obj:`InstanceData` 3"
        ),
    ):
        inst.extra = torch.ones(2)
    with pytest.raises(AssertionError, match="value must contain `__len__` attribute"):
        inst.extra = 5
    inst["extra"] = torch.ones(3)
    assert "extra" in inst and "extra" not in inst.metainfo_keys()
    with pytest.raises(AttributeError, match="immutable"):
        inst._data_fields = 1  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("index", "picked"),
    [
        (1, [1]),
        (-1, [2]),
        (slice(0, 2), [0, 1]),
        (torch.tensor([2, 0]), [2, 0]),
        (torch.tensor([True, False, True]), [0, 2]),
        (torch.tensor([False, False, False]), []),
        ([1, 1], [1, 1]),
        ([False, True, False], [1]),
        (np.array([0, 2], dtype=np.int32), [0, 2]),
        (np.array([True, True, False]), [0, 1]),
    ],
    ids=repr,
)
def test_every_field_is_indexed_alike(index: Any, picked: list) -> None:
    inst = make_instances()
    part = inst[index]
    assert type(part) is InstanceData and len(part) == len(picked)
    assert part.metainfo == inst.metainfo
    assert fields(part) == {
        "bboxes": [inst.bboxes[i].tolist() for i in picked],
        "scores": [inst.scores[i].item() for i in picked],
        "names": [inst.names[i] for i in picked],
        "ids": tuple(inst.ids[i] for i in picked),
        "code": "".join(inst.code[i] for i in picked),
        "rows": [[i] for i in picked],
    }


def test_str_index_reads_a_field() -> None:
    inst = make_instances()
    assert inst["names"] == ["a", "b", "c"]


def test_bad_indices() -> None:
    inst = make_instances()
    with pytest.raises(IndexError, match="Index 3 out of range!"):
        inst[3]
    with pytest.raises(IndexError, match="Index -4 out of range!"):
        inst[-4]
    with pytest.raises(IndexError, match="Index 0 out of range!"):
        InstanceData()[0]
    with pytest.raises(AssertionError, match="LongTensor/BoolTensor"):
        inst[torch.tensor([1.0])]
    with pytest.raises(AssertionError, match="Only support to get the values along the first"):
        inst[torch.tensor([[1]])]
    with pytest.raises(
        AssertionError,
        match=re.escape(
            "The shape of the input(BoolTensor) 2 does not match the shape of the indexed "
            "tensor in results_field 3 at first dimension."
        ),
    ):
        inst[torch.tensor([True, False])]


def test_values_without_cat_only_take_slices() -> None:
    inst = InstanceData(rows=Rows([[0], [1]]))
    assert inst[0:1].rows.rows == [[0]]
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"The type of `rows` is `{Rows}`, which has no attribute of `cat`, so it does not "
            "support slice with `bool`"
        ),
    ):
        inst[torch.tensor([True, False])]


def test_cat() -> None:
    first = make_instances()
    joined = InstanceData.cat([first, first[[0]]])
    assert len(joined) == 4
    assert joined.names == ["a", "b", "c", "a"] and joined.ids == (7, 8, 9, 7)
    assert joined.code == "xyzx" and joined.rows.rows == [[0], [1], [2], [0]]
    assert joined.scores.tolist() == [0.1, 0.5, 0.9, 0.1]
    assert joined.metainfo == first.metainfo
    assert first.names == ["a", "b", "c"]  # list values are copied, not extended in place
    assert InstanceData.cat([first]) is first


def test_cat_checks() -> None:
    inst = make_instances()
    with pytest.raises(AssertionError):
        InstanceData.cat([])
    with pytest.raises(AssertionError):
        InstanceData.cat([inst, BaseDataElement(a=1)])  # type: ignore[list-item]
    with pytest.raises(AssertionError, match="There are different keys in `instances_list`"):
        InstanceData.cat([inst, InstanceData(bboxes=torch.ones(1, 4))])
    plain = InstanceData(rows=Rows([[0]]))
    with pytest.raises(
        ValueError, match=re.escape(f"The type of `rows` is `{Rows}` which has no attribute")
    ):
        InstanceData.cat([plain, plain])


def test_iteration_yields_single_instances() -> None:
    # __len__ + __getitem__ give the legacy iteration protocol, as in mmengine
    parts = list(make_instances())
    assert [part.names for part in parts] == [["a"], ["b"], ["c"]]
