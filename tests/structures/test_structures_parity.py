"""The same operations on mmengine's and mmlight's structures give the same observations.

Each scenario runs once per package through the ``check_parity`` fixture (tests/structures/
conftest.py): values, types, key order, repr text (addresses masked), warnings, and error types
with mmengine's message inside mmlight's.
"""

from __future__ import annotations

import copy
import itertools
import pickle
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch

pytest.importorskip("mmengine")


class PolygonsWithoutCat:
    """A custom field value: sized and indexable (an int keeps the dimension), no ``cat``."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, int):
            if item >= len(self) or item < -len(self):
                raise IndexError(f"Index {item} out of range!")
            item = slice(item, None, len(self))
        return type(self)(self.rows[item])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.rows})"


class Polygons(PolygonsWithoutCat):
    """The same with ``cat``, so InstanceData can index it with tensors and concatenate it."""

    @staticmethod
    def cat(parts: list) -> Polygons:
        if len(parts) == 1:
            return parts[0]
        return Polygons(list(itertools.chain(*(part.rows for part in parts))))


def det_sample_class(S: ModuleType) -> type:
    """mmdet-style sample whose fields are properties backed by ``_name`` data fields."""

    class DetDataSample(S.BaseDataElement):  # type: ignore[name-defined]
        @property
        def proposals(self) -> Any:
            return self._proposals

        @proposals.setter
        def proposals(self, value: Any) -> None:
            self.set_field(value=value, name="_proposals", dtype=S.BaseDataElement)

        @proposals.deleter
        def proposals(self) -> None:
            del self._proposals

    return DetDataSample


def make_instances(S: ModuleType) -> Any:
    return S.InstanceData(
        metainfo=dict(img_id=7, img_shape=(30, 40)),
        bboxes=torch.arange(20.0).view(5, 4),
        scores=np.linspace(0.0, 1.0, 5),
        kps=[[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]],
        ids=(10, 11, 12, 13, 14),
        name_ids="abcde",
        polygons=Polygons([[i, i + 1] for i in range(5)]),
    )


# -- BaseDataElement -------------------------------------------------------------------------


def scenario_fields(S: ModuleType, rec: Any) -> None:
    meta: dict[str, Any] = dict(img_id=3, img_shape=(4, 5), nested={"a": [1, 2]})
    elem = rec(
        "init",
        lambda: S.BaseDataElement(
            metainfo=meta, bboxes=torch.arange(8.0).view(2, 4), labels=[1, 2], note="x"
        ),
    )
    meta["nested"]["a"].append(3)  # metainfo was deep-copied
    for name in ("keys", "metainfo_keys", "all_keys", "values", "metainfo_values", "all_values"):
        rec(name, getattr(elem, name))
    rec("items", lambda: list(elem.items()))
    rec("metainfo_items", lambda: list(elem.metainfo_items()))
    rec("all_items", lambda: list(elem.all_items()))
    rec("metainfo", lambda: elem.metainfo)
    rec("get data", lambda: elem.get("labels"))
    rec("get meta", lambda: elem.get("img_id"))
    rec("get missing", lambda: elem.get("nope"))
    rec("get default", lambda: elem.get("nope", 5))
    rec("get method", lambda: elem.get("keys"))
    rec("contains", lambda: ["bboxes" in elem, "img_id" in elem, "nope" in elem, "keys" in elem])
    rec("getattr missing", lambda: elem.nope)
    rec("to_dict", elem.to_dict)
    rec("repr", lambda: repr(elem))
    rec("str", lambda: str(elem))
    rec("len", lambda: len(elem))


def scenario_setting_rules(S: ModuleType, rec: Any) -> None:
    elem = S.BaseDataElement(metainfo=dict(img_id=1), labels=torch.tensor([1]))
    rec("set attr on metainfo name", lambda: setattr(elem, "img_id", 2))
    rec("set_data on metainfo name", lambda: elem.set_data(dict(img_id=2)))
    rec("set_metainfo on data name", lambda: elem.set_metainfo(dict(labels=2)))
    rec("set_metainfo not a dict", lambda: elem.set_metainfo(123))
    rec("set_data not a dict", lambda: elem.set_data([("a", 1)]))
    rec("replace metainfo", lambda: elem.set_metainfo(dict(img_id=5, extra="e")))
    rec("attr sets data", lambda: setattr(elem, "new_field", 3.5))
    rec("item del", lambda: elem.__delitem__("new_field"))
    rec("set private metainfo", lambda: setattr(elem, "_metainfo_fields", set()))
    rec("set private data", lambda: setattr(elem, "_data_fields", set()))
    rec("del private", lambda: delattr(elem, "_data_fields"))
    rec("del private metainfo", lambda: delattr(elem, "_metainfo_fields"))
    rec("del missing", lambda: delattr(elem, "nope"))
    rec("set_field bad type", lambda: elem.set_field(1, "count", dtype=torch.Tensor))
    rec("set_field tuple type", lambda: elem.set_field(1, "count", dtype=(str, float)))
    rec("set_field ok type", lambda: elem.set_field(1, "count", dtype=int))
    rec("set_field bad kind", lambda: elem.set_field(1, "count", field_type="meta"))
    rec("set_field metainfo", lambda: elem.set_field("m", "mode", field_type="metainfo"))
    rec("set_field metainfo over data", lambda: elem.set_field(1, "count", field_type="metainfo"))
    rec("update not element", lambda: elem.update(dict(a=1)))
    other = S.BaseDataElement(metainfo=dict(img_id=9, scale=2.0), boxes=torch.zeros(1, 4))
    rec("update", lambda: elem.update(other))
    rec("after update", lambda: elem.all_keys())
    rec("state", lambda: elem)


def scenario_pop_and_delete(S: ModuleType, rec: Any) -> None:
    elem = S.BaseDataElement(metainfo=dict(img_id=1, shape=(2, 2)), a=1, b=torch.ones(2))
    rec("pop meta", lambda: elem.pop("img_id"))
    rec("pop data", lambda: elem.pop("a"))
    rec("pop missing default", lambda: elem.pop("a", "dflt"))
    rec("pop missing", lambda: elem.pop("a"))
    rec("pop three args", lambda: elem.pop("b", 1, 2))
    rec("pop no args", lambda: elem.pop())
    rec("pop method name", lambda: elem.pop("keys"))
    rec("del data", lambda: delattr(elem, "b"))
    rec("del again", lambda: delattr(elem, "b"))
    rec("del meta", lambda: delattr(elem, "shape"))
    rec("left", lambda: elem)


def scenario_new_and_clone(S: ModuleType, rec: Any) -> None:
    boxes = torch.arange(4.0)
    elem = S.BaseDataElement(metainfo=dict(img_id=1, pad=[0, 0]), boxes=boxes, tags=["a"])
    fresh = rec("new", elem.new)
    rec("new shares data", lambda: fresh.boxes is boxes)
    rec("new copies metainfo", lambda: fresh.pad is elem.pad)
    rec("new metainfo", lambda: elem.new(metainfo=dict(img_id=2)))
    rec("new empty metainfo", lambda: elem.new(metainfo={}))
    rec("new data", lambda: elem.new(scores=torch.ones(3)))
    rec("new both", lambda: elem.new(metainfo=dict(k=1), scores=torch.ones(1)))
    twin = rec("clone", elem.clone)
    rec("clone shares data", lambda: twin.boxes is boxes)
    rec("clone type", lambda: type(twin).__name__)


def scenario_tensor_methods(S: ModuleType, rec: Any) -> None:
    inner = S.BaseDataElement(metainfo=dict(level=1), w=torch.ones(2, requires_grad=True))
    elem = S.BaseDataElement(
        metainfo=dict(img_id=1, meta_t=torch.zeros(1)),
        x=torch.arange(3.0, requires_grad=True) * 2,
        arr=np.arange(3),
        inner=inner,
        text="t",
        nums=[1, 2],
    )
    rec("to dtype", lambda: elem.to(torch.float64))
    rec("to kw", lambda: elem.to(dtype=torch.int32))
    rec("to cpu", lambda: elem.to("cpu"))
    rec("cpu", elem.cpu)
    rec("detach", elem.detach)
    as_numpy = rec("numpy", elem.numpy)
    rec("to_tensor", as_numpy.to_tensor)
    rec("to_tensor original", elem.to_tensor)
    for device in ("npu", "mlu", "musa"):
        rec(device, getattr(elem, device))
    if not torch.cuda.is_available():
        rec("cuda", elem.cuda)
    rec("unchanged", lambda: elem)


def scenario_properties(S: ModuleType, rec: Any) -> None:
    sample = det_sample_class(S)(metainfo=dict(img_id=4))
    proposals = S.BaseDataElement(bboxes=torch.ones(1, 4))
    rec("set", lambda: setattr(sample, "proposals", proposals))
    rec("keys", sample.keys)
    rec("fields", lambda: sorted(sample._data_fields))
    rec("contains", lambda: ["proposals" in sample, "_proposals" in sample])
    rec("to_dict", sample.to_dict)
    rec("repr", lambda: repr(sample))
    rec("new", sample.new)
    rec("to", lambda: sample.to("cpu"))
    rec("del", lambda: delattr(sample, "proposals"))
    rec("after del", lambda: sorted(sample._data_fields))
    rec("wrong type", lambda: setattr(sample, "proposals", torch.ones(1)))
    rec("name left behind", lambda: ["proposals" in sample, sample.keys()])
    rec("set again", lambda: setattr(sample, "proposals", proposals))
    rec("pop property", lambda: sample.pop("proposals", "dflt"))
    rec("after pop", lambda: sorted(sample._data_fields))


def scenario_repr_nesting(S: ModuleType, rec: Any) -> None:
    gt = S.BaseDataElement(metainfo=dict(img_shape=(8, 9)), labels=torch.tensor([0, 1, 2]))
    rows = S.InstanceData(bboxes=torch.arange(8.0).view(2, 4), names=["a", "b"])
    sample = S.BaseDataElement(
        metainfo=dict(img_shape=(8, 9), info={"k": {"deep": 1}, "multi": "x\ny"}),
        gt=gt,
        rows=rows,
        table={"t": torch.zeros(2, 2), "e": gt},
    )
    rec("repr", lambda: repr(sample))
    rec("empty", lambda: repr(S.BaseDataElement()))
    rec("empty instances", lambda: repr(S.InstanceData()))
    rec("to_dict", sample.to_dict)


def scenario_pickle_and_copy(S: ModuleType, rec: Any) -> None:
    elements = {
        "base": S.BaseDataElement(metainfo=dict(i=1), x=torch.ones(2), inner=S.LabelData(y=1)),
        "instances": S.InstanceData(metainfo=dict(i=1), b=torch.ones(3, 4), n=["a", "b", "c"]),
        "labels": S.LabelData(metainfo=dict(n=3), label=torch.tensor([1])),
        "pixels": S.PixelData(metainfo=dict(s=1), seg=torch.zeros(1, 2, 3)),
    }
    for name, elem in elements.items():
        rec(f"pickle {name}", lambda elem=elem: pickle.loads(pickle.dumps(elem)))
        rec(f"deepcopy {name}", lambda elem=elem: copy.deepcopy(elem))
        rec(f"copy {name}", lambda elem=elem: copy.copy(elem))
        back = pickle.loads(pickle.dumps(elem))
        rec(f"{name} still guarded", lambda back=back: setattr(back, "_data_fields", set()))
        rec(f"{name} type", lambda back=back: type(back).__name__)
    sample = det_sample_class(S)()
    sample.proposals = S.BaseDataElement(b=torch.ones(1))
    rec("deepcopy properties", lambda: copy.deepcopy(sample).keys())


# -- InstanceData ----------------------------------------------------------------------------


def scenario_instance_indexing(S: ModuleType, rec: Any) -> None:
    inst = make_instances(S)
    rec("len", lambda: len(inst))
    rec("repr", lambda: repr(inst))
    for label, index in [
        ("int", 1),
        ("negative int", -1),
        ("bool int", True),
        ("slice", slice(1, 4)),
        ("step slice", slice(None, None, 2)),
        ("empty slice", slice(5, None)),
        ("long tensor", torch.tensor([3, 0, 3])),
        ("empty long tensor", torch.tensor([], dtype=torch.int64)),
        ("bool tensor", torch.tensor([True, False, True, False, True])),
        ("all-false mask", torch.zeros(5, dtype=torch.bool)),
        ("int list", [4, 1]),
        ("bool list", [True, False, False, True, False]),
        ("numpy int64", np.array([2, 2])),
        ("numpy int32", np.array([0, 4], dtype=np.int32)),
        ("numpy bool", np.array([False, True, True, False, False])),
        ("str", "bboxes"),
        ("str meta", "img_id"),
        ("str missing", "nope"),
        ("out of range", 5),
        ("out of range negative", -6),
        ("float tensor", torch.tensor([1.0])),
        ("int32 tensor", torch.tensor([1], dtype=torch.int32)),
        ("2-d long tensor", torch.tensor([[1]])),
        ("short mask", torch.tensor([True, False])),
        ("numpy scalar", np.int64(1)),
        ("float", 1.0),
        ("tuple", (1, 2)),
        ("empty list", []),
        ("numpy float", np.array([1.0])),
    ]:
        rec(label, lambda index=index: inst[index])


def scenario_instance_setting(S: ModuleType, rec: Any) -> None:
    inst = make_instances(S)
    rec("wrong length", lambda: setattr(inst, "extra", torch.ones(4)))
    rec("not sized", lambda: setattr(inst, "extra", 3))
    rec("setitem", lambda: inst.__setitem__("extra", torch.ones(5)))
    rec("set_data", lambda: inst.set_data(dict(more=list(range(5)))))
    rec("metainfo any length", lambda: inst.set_metainfo(dict(scale=3.0)))
    rec("private", lambda: setattr(inst, "_data_fields", set()))
    rec("private not sized", lambda: setattr(inst, "_metainfo_fields", 1))
    rec("len", lambda: len(inst))
    rec("iterate", lambda: len(list(inst)))
    rec("empty len", lambda: len(S.InstanceData()))
    rec("empty index", lambda: S.InstanceData()[0])
    rec("empty slice", lambda: S.InstanceData()[:2])
    only = S.InstanceData(a=[1, 2, 3])
    rec("replace only field", lambda: setattr(only, "a", [1]))

    def delete_then_set_shorter() -> int:
        del only.a
        only.a = [1]
        return len(only)

    rec("delete then any length", delete_then_set_shorter)
    odd = S.InstanceData(obj=PolygonsWithoutCat([[1], [2]]), t=torch.ones(2))
    rec("no cat with mask", lambda: odd[torch.tensor([True, False])])
    rec("no cat with slice", lambda: odd[0:1])
    rec("no cat with int", lambda: odd[1])
    weird = S.InstanceData(d={"a": 1, "b": 2})
    rec("dict value with tensor index", lambda: weird[torch.tensor([0])])
    rec("tensor methods", lambda: make_instances(S).numpy().to_tensor())


def scenario_instance_cat(S: ModuleType, rec: Any) -> None:
    first = make_instances(S)
    second = make_instances(S)[[0, 1]]
    rec("cat two", lambda: S.InstanceData.cat([first, second]))
    rec("cat via instance", lambda: first.cat([second, first, second]))
    rec("cat one is same", lambda: S.InstanceData.cat([first]) is first)
    rec("cat empty list", lambda: S.InstanceData.cat([]))
    rec("cat base element", lambda: S.InstanceData.cat([first, S.BaseDataElement(a=1)]))
    rec("cat with empty part", lambda: S.InstanceData.cat([first, first[torch.zeros(5) > 1]]))
    fewer = S.InstanceData(bboxes=torch.ones(1, 4))
    rec("cat different keys", lambda: S.InstanceData.cat([first, fewer]))
    renamed = make_instances(S)
    renamed.set_metainfo(dict(other=1))
    rec("cat different metainfo", lambda: S.InstanceData.cat([first, renamed]))
    odd = S.InstanceData(obj=PolygonsWithoutCat([[1]]))
    rec("cat without cat", lambda: S.InstanceData.cat([odd, odd]))
    mixed = S.InstanceData(v=[1, 2])
    rec("cat list and tuple", lambda: S.InstanceData.cat([mixed, S.InstanceData(v=[3])]))
    texts = S.InstanceData(v="ab")
    rec("cat str", lambda: S.InstanceData.cat([texts, texts]))


# -- LabelData and PixelData -----------------------------------------------------------------


def scenario_labels(S: ModuleType, rec: Any) -> None:
    to_onehot = S.LabelData.label_to_onehot
    to_label = S.LabelData.onehot_to_label
    rec("onehot", lambda: to_onehot(torch.tensor([1, 3]), num_classes=5))
    rec("onehot uint8", lambda: to_onehot(torch.tensor([0], dtype=torch.uint8), 3))
    rec("onehot empty", lambda: to_onehot(torch.tensor([], dtype=torch.int64), 4))
    rec("onehot too large", lambda: to_onehot(torch.tensor([4]), 4))
    rec("onehot not tensor", lambda: to_onehot([1], 4))
    rec("onehot 0-d", lambda: to_onehot(torch.tensor(1), 4))
    rec("label", lambda: to_label(torch.tensor([0, 1, 1, 0])))
    rec("label floats", lambda: to_label(torch.tensor([0.0, 1.0])))
    rec("label all zero", lambda: to_label(torch.zeros(3)))
    rec("label not onehot", lambda: to_label(torch.tensor([2])))
    rec("label negative", lambda: to_label(torch.tensor([-1, 1])))
    rec("label 2-d", lambda: to_label(torch.tensor([[0, 1]])))
    rec("label not tensor", lambda: to_label([0, 1]))
    rec("label empty", lambda: to_label(torch.tensor([])))
    labels = rec("element", lambda: S.LabelData(metainfo=dict(num_classes=3), score=torch.ones(3)))
    rec("element any value", lambda: setattr(labels, "name", "cat"))
    rec("element repr", lambda: repr(labels))


def scenario_pixels(S: ModuleType, rec: Any) -> None:
    pixels = rec(
        "init",
        lambda: S.PixelData(
            metainfo=dict(img_shape=(4, 6)),
            seg=torch.arange(24).view(1, 4, 6),
            image=np.arange(72).reshape(3, 4, 6),
        ),
    )
    rec("shape", lambda: pixels.shape)
    rec("2-d tensor", lambda: setattr(pixels, "mask", torch.ones(4, 6)))
    rec("2-d array", lambda: setattr(pixels, "heat", np.zeros((4, 6))))
    rec("after 2-d", lambda: pixels)
    rec("bad type", lambda: setattr(pixels, "bad", [[1]]))
    rec("bad hw", lambda: setattr(pixels, "bad", torch.ones(1, 5, 6)))
    rec("4-d", lambda: setattr(pixels, "bad", torch.ones(1, 1, 4, 6)))
    rec("4-d bad hw", lambda: setattr(pixels, "bad", torch.ones(1, 1, 5, 6)))
    rec("1-d", lambda: setattr(pixels, "bad", torch.ones(6)))
    rec("metainfo any", lambda: pixels.set_metainfo(dict(anything=[1, 2, 3])))
    rec("private", lambda: setattr(pixels, "_data_fields", set()))
    for label, item in [
        ("crop", (slice(1, 3), slice(2, 5))),
        ("int row", (2, slice(None))),
        ("int both", (-1, 0)),
        ("out of range int", (9, 0)),
        ("not tuple", 1),
        ("tensor", torch.tensor([1, 2])),
        ("slice only", slice(0, 2)),
        ("three", (1, 2, 3)),
        ("one", (1,)),
        ("float row", (1.5, 2)),
        ("float col", (1, 2.5)),
        ("both bad", (1.5, "c")),
    ]:
        rec(label, lambda item=item: pixels[item])
    empty = S.PixelData()
    rec("empty shape", lambda: empty.shape)
    rec("empty crop", lambda: empty[0:1, 0:1])
    rec("empty int", lambda: empty[0, 0])
    rec("empty 4-d", lambda: setattr(empty, "x", torch.ones(1, 1, 2, 2)))
    rec("empty 0-d", lambda: setattr(empty, "x", torch.tensor(1.0)))
    rec("tensor methods", lambda: pixels.numpy().to_tensor())


def scenario_cuda(S: ModuleType, rec: Any) -> None:
    elem = S.BaseDataElement(
        metainfo=dict(i=1), x=torch.arange(3.0), inner=S.LabelData(y=torch.ones(1))
    )
    on_gpu = rec("cuda", elem.cuda)
    rec("to cuda", lambda: elem.to("cuda:0"))
    rec("back", on_gpu.cpu)
    rec("numpy from gpu", on_gpu.numpy)
    inst = make_instances(S).to("cuda")
    rec("cuda bool index", lambda: inst[torch.tensor([True, False, True, False, True]).cuda()])
    rec("cuda long index", lambda: inst[torch.tensor([4, 0]).cuda()])
    labels = torch.tensor([0, 2]).cuda()
    rec("onehot", lambda: S.LabelData.label_to_onehot(labels, 3))
    rec("label", lambda: S.LabelData.onehot_to_label(S.LabelData.label_to_onehot(labels, 3)))


SCENARIOS = [
    scenario_fields,
    scenario_setting_rules,
    scenario_pop_and_delete,
    scenario_new_and_clone,
    scenario_tensor_methods,
    scenario_properties,
    scenario_repr_nesting,
    scenario_pickle_and_copy,
    scenario_instance_indexing,
    scenario_instance_setting,
    scenario_instance_cat,
    scenario_labels,
    scenario_pixels,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda fn: fn.__name__[len("scenario_") :])
def test_same_as_mmengine(check_parity: Any, scenario: Any) -> None:
    check_parity(scenario)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_same_as_mmengine_on_cuda(check_parity: Any) -> None:
    check_parity(scenario_cuda)


def test_harness_sees_differences(check_parity: Any) -> None:
    """The comparison is not vacuous: different observations fail it."""

    def differs(S: ModuleType, rec: Any) -> None:
        rec("package", lambda: S.__name__.split(".")[0])

    with pytest.raises(AssertionError):
        check_parity(differs)
