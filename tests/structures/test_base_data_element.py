"""BaseDataElement: field groups, setting rules, copies, tensor methods, repr and pickling."""

from __future__ import annotations

import copy
import pickle
import re
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.structures import BaseDataElement, InstanceData, LabelData, PixelData


class DetDataSample(BaseDataElement):
    """Fields exposed as properties over ``_name`` data fields, as mmdet's samples do."""

    @property
    def proposals(self) -> BaseDataElement:
        return self._proposals

    @proposals.setter
    def proposals(self, value: BaseDataElement) -> None:
        self.set_field(value=value, name="_proposals", dtype=BaseDataElement)

    @proposals.deleter
    def proposals(self) -> None:
        del self._proposals


def make_element() -> BaseDataElement:
    return BaseDataElement(
        metainfo=dict(img_id=1, img_shape=(4, 6)),
        bboxes=torch.ones(2, 4),
        labels=torch.tensor([3, 4]),
    )


def test_exports() -> None:
    import mmlight.structures as structures

    assert structures.__all__ == ["BaseDataElement", "InstanceData", "LabelData", "PixelData"]
    for cls in (InstanceData, LabelData, PixelData):
        assert issubclass(cls, BaseDataElement)


def test_metainfo_and_data_are_separate_groups() -> None:
    elem = make_element()
    assert sorted(elem.metainfo_keys()) == ["img_id", "img_shape"]
    assert sorted(elem.keys()) == ["bboxes", "labels"]
    assert elem.all_keys() == elem.metainfo_keys() + elem.keys()
    assert elem.all_values()[:2] == elem.metainfo_values()
    assert dict(elem.metainfo_items()) == elem.metainfo == {"img_id": 1, "img_shape": (4, 6)}
    assert [key for key, _ in elem.all_items()] == elem.all_keys()
    assert [key for key, _ in elem.items()] == elem.keys()
    assert "img_id" in elem and "bboxes" in elem and "keys" not in elem
    assert elem.get("img_id") == 1
    assert elem.get("missing") is None
    assert elem.get("missing", 7) == 7


def test_metainfo_is_deep_copied_data_is_not() -> None:
    meta = {"pad": [0, 0]}
    boxes = torch.zeros(1)
    elem = BaseDataElement(metainfo=meta, boxes=boxes)
    meta["pad"].append(1)
    assert elem.pad == [0, 0]
    assert elem.boxes is boxes


def test_attribute_assignment_sets_data() -> None:
    elem = BaseDataElement()
    elem.score = 0.5
    assert elem.keys() == ["score"] and elem.metainfo_keys() == []


def test_a_name_belongs_to_one_group() -> None:
    elem = make_element()
    with pytest.raises(
        AttributeError,
        match="Cannot set img_id to be a field of data because img_id is already a metainfo field",
    ):
        elem.img_id = 2
    with pytest.raises(
        AttributeError,
        match="Cannot set labels to be a field of metainfo because labels is already a data field",
    ):
        elem.set_metainfo(dict(labels=1))


def test_field_sets_cannot_be_replaced_or_deleted() -> None:
    elem = make_element()
    message = "_data_fields has been used as a private attribute, which is immutable."
    with pytest.raises(AttributeError, match=re.escape(message)):
        elem._data_fields = set()
    with pytest.raises(AttributeError, match=re.escape(message)):
        del elem._data_fields
    with pytest.raises(AttributeError, match="_metainfo_fields has been used"):
        del elem._metainfo_fields


def test_argument_checks() -> None:
    elem = make_element()
    with pytest.raises(AssertionError, match="metainfo should be a ``dict`` but got <class 'int'>"):
        elem.set_metainfo(1)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match=re.escape("data should be a `dict` but got [1]")):
        elem.set_data([1])  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="instance should be a `BaseDataElement`"):
        elem.update({})  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="1 should be a <class 'str'> but got <class 'int'>"):
        elem.set_field(1, "name", dtype=str)
    with pytest.raises(AssertionError):
        elem.set_field(1, "name", field_type="other")


def test_asserts_survive_python_O() -> None:
    """The checks raise AssertionError explicitly, so ``python -O`` keeps them."""
    code = (
        "from mmlight.structures import BaseDataElement\n"
        "try:\n"
        "    BaseDataElement().set_metainfo(1)\n"
        "except AssertionError as e:\n"
        "    print('raised', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("raised metainfo should be a ``dict``")


def test_update_copies_both_groups() -> None:
    elem = make_element()
    elem.update(BaseDataElement(metainfo=dict(scale=2.0), extra=torch.zeros(1)))
    assert elem.scale == 2.0 and "scale" in elem.metainfo_keys()
    assert sorted(elem.keys()) == ["bboxes", "extra", "labels"]


def test_pop_and_delete() -> None:
    elem = make_element()
    assert elem.pop("img_id") == 1
    assert "img_id" not in elem
    assert elem.pop("labels").tolist() == [3, 4]
    assert elem.pop("labels", None) is None
    with pytest.raises(KeyError, match="labels is not contained in metainfo or data"):
        elem.pop("labels")
    with pytest.raises(AssertionError, match="``pop`` get more than 2 arguments"):
        elem.pop("a", 1, 2)
    del elem.bboxes
    del elem["img_shape"]
    assert elem.all_keys() == []
    with pytest.raises(AttributeError):
        del elem.bboxes


def test_new_and_clone() -> None:
    elem = make_element()
    fresh = elem.new(metainfo=dict(img_id=2))
    assert type(fresh) is BaseDataElement
    assert fresh.metainfo == {"img_id": 2}
    assert fresh.bboxes is elem.bboxes
    only_data = elem.new(scores=torch.ones(3))
    assert only_data.keys() == ["scores"] and only_data.img_id == 1
    twin = elem.clone()
    assert twin.all_keys() == elem.all_keys() and twin.labels is elem.labels
    assert type(LabelData(a=1).clone()) is LabelData


def test_property_fields_hide_their_private_name() -> None:
    sample = DetDataSample(metainfo=dict(img_id=1))
    proposals = BaseDataElement(bboxes=torch.ones(1, 4))
    sample.proposals = proposals
    assert sample.proposals is proposals
    assert sample.keys() == ["proposals"]
    assert "proposals" in sample and "_proposals" in sample
    assert list(sample.to_dict()) == ["img_id", "proposals"]
    assert isinstance(sample.to("cpu").proposals, BaseDataElement)
    del sample.proposals
    assert sample.keys() == [] and "_proposals" not in sample
    with pytest.raises(AssertionError, match=r"should be a .*BaseDataElement.* but got"):
        sample.proposals = torch.ones(1)  # type: ignore[assignment]


def test_tensor_methods_return_new_elements() -> None:
    inner = BaseDataElement(w=torch.ones(2, requires_grad=True))
    elem = BaseDataElement(
        metainfo=dict(meta_t=torch.ones(1)),
        x=torch.arange(3.0, requires_grad=True) * 1,
        arr=np.arange(2),
        inner=inner,
        text="t",
    )
    doubled = elem.to(torch.float64)
    assert doubled is not elem and doubled.x.dtype == torch.float64
    assert doubled.inner.w.dtype == torch.float64
    assert doubled.meta_t.dtype == torch.float32  # metainfo is left alone
    assert elem.x.dtype == torch.float32
    assert not elem.detach().x.requires_grad and not elem.detach().inner.w.requires_grad
    assert elem.cpu().x.device.type == "cpu"
    as_numpy = elem.numpy()
    assert isinstance(as_numpy.x, np.ndarray) and isinstance(as_numpy.inner.w, np.ndarray)
    back = as_numpy.to_tensor()
    assert isinstance(back.x, torch.Tensor) and isinstance(back.arr, torch.Tensor)
    assert back.text == "t"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_round_trip() -> None:
    elem = BaseDataElement(x=torch.ones(2), inner=BaseDataElement(y=torch.zeros(1)))
    on_gpu = elem.cuda()
    assert on_gpu.x.is_cuda and on_gpu.inner.y.is_cuda
    assert elem.to("cuda:0").x.is_cuda
    assert not on_gpu.cpu().inner.y.is_cuda


def test_to_dict_converts_nested_elements() -> None:
    sample = BaseDataElement(metainfo=dict(i=1), gt=BaseDataElement(metainfo=dict(j=2), k=3))
    assert sample.to_dict() == {"i": 1, "gt": {"j": 2, "k": 3}}


def test_repr_text() -> None:
    gt = BaseDataElement(metainfo=dict(img_shape=(8, 9)), det_labels=torch.tensor([0, 1]))
    sample = BaseDataElement(metainfo=dict(img_shape=(8, 9)), gt_instances=gt)
    assert repr(sample) == (
        "<BaseDataElement(\n\n"
        "    META INFORMATION\n"
        "    img_shape: (8, 9)\n\n"
        "    DATA FIELDS\n"
        "    gt_instances: <BaseDataElement(\n        \n"
        "            META INFORMATION\n"
        "            img_shape: (8, 9)\n        \n"
        "            DATA FIELDS\n"
        "            det_labels: tensor([0, 1])\n"
        f"        ) at {hex(id(gt))}>\n"
        f") at {hex(id(sample))}>"
    )
    assert str(sample) == repr(sample)


def test_repr_of_dict_values() -> None:
    elem = BaseDataElement(info={"a": 1, "b": {"c": 2}})
    assert repr(elem) == (
        "<BaseDataElement(\n\n    META INFORMATION\n\n    DATA FIELDS\n"
        "    info: \n        a: 1\n        b: \n            c: 2\n"
        f") at {hex(id(elem))}>"
    )


@pytest.mark.parametrize(
    "elem",
    [
        BaseDataElement(metainfo=dict(i=1), x=torch.ones(2), inner=LabelData(y=1)),
        InstanceData(metainfo=dict(i=1), b=torch.ones(3, 4), names=["a", "b", "c"]),
        LabelData(label=torch.tensor([1])),
        PixelData(seg=torch.zeros(1, 2, 3)),
    ],
    ids=lambda elem: type(elem).__name__,
)
@pytest.mark.parametrize(
    "round_trip",
    [lambda e: pickle.loads(pickle.dumps(e)), copy.deepcopy],
    ids=["pickle", "deepcopy"],
)
def test_pickle_and_deepcopy(elem: BaseDataElement, round_trip: Any) -> None:
    back = round_trip(elem)
    assert type(back) is type(elem)
    # the field sets are rebuilt, so their iteration order may differ (as in mmengine)
    assert sorted(back.metainfo_keys()) == sorted(elem.metainfo_keys())
    assert sorted(back.keys()) == sorted(elem.keys())
    for key, value in elem.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(back.get(key), value)
    with pytest.raises(AttributeError, match="immutable"):
        back._data_fields = set()
    back.set_metainfo({"extra_meta": 1})  # the copy has its own field sets
    assert "extra_meta" in back and "extra_meta" not in elem


def test_deepcopy_of_property_sample() -> None:
    sample = DetDataSample()
    sample.proposals = BaseDataElement(b=torch.ones(1))
    twin = copy.deepcopy(sample)
    assert twin.keys() == ["proposals"] and twin.proposals is not sample.proposals
