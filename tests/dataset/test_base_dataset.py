"""BaseDataset: annotation loading, metainfo, prefixes, serialization, subsets, refetch."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pytest
import yaml

from mmlight.dataset import BaseDataset, force_full_init

RECORDS = [{"img_path": f"img{i}.jpg", "label": i % 3} for i in range(6)]


class ToyDataset(BaseDataset):
    METAINFO = dict(classes=("a", "b", "c"), task="toy")


def write_ann(path: Path, records: list[dict] | None = None, **metainfo: Any) -> str:
    meta = {"classes": ["from", "file"], "version": 1, **metainfo}
    path.write_text(json.dumps({"metainfo": meta, "data_list": records or RECORDS}))
    return str(path)


@pytest.fixture
def ann_file(tmp_path: Path) -> str:
    return write_ann(tmp_path / "ann.json")


def test_loads_records_and_sets_sample_idx(ann_file: str) -> None:
    dataset = ToyDataset(ann_file)
    assert len(dataset) == 6
    assert dataset.get_data_info(2) == {"img_path": "img2.jpg", "label": 2, "sample_idx": 2}
    assert dataset.get_data_info(-1)["sample_idx"] == 5
    assert dataset[1] == {"img_path": "img1.jpg", "label": 1, "sample_idx": 1}
    assert dataset.data_list == []  # serialized: the Python objects are dropped
    assert dataset.data_bytes.dtype == np.uint8


def test_unserialized_records_are_copied_on_access(ann_file: str) -> None:
    dataset = ToyDataset(ann_file, serialize_data=False)
    info = dataset.get_data_info(0)
    info["label"] = 99
    assert dataset.get_data_info(0)["label"] == 0
    assert len(dataset.data_list) == 6


def test_metainfo_priority_file_then_class_then_argument(ann_file: str) -> None:
    dataset = ToyDataset(ann_file, metainfo=dict(task="override"))
    assert dataset.metainfo == {"classes": ("a", "b", "c"), "task": "override", "version": 1}
    dataset.metainfo["task"] = "changed"  # a copy
    assert dataset.metainfo["task"] == "override"
    assert dict(classes=("a", "b", "c"), task="toy") == ToyDataset.METAINFO


def test_metainfo_string_naming_a_file_becomes_its_lines(
    tmp_path: Path, ann_file: str, caplog: pytest.LogCaptureFixture
) -> None:
    classes = tmp_path / "classes.txt"
    classes.write_text("cat\r\ndog\n")
    with caplog.at_level(logging.WARNING, logger="mmlight"):
        dataset = ToyDataset(ann_file, metainfo=dict(classes=str(classes), name="plain"))
    assert dataset.metainfo["classes"] == ["cat", "dog"]
    assert dataset.metainfo["name"] == "plain"
    assert "plain is not a meta file, simply parsed as meta information" in caplog.text


def test_metainfo_must_be_a_mapping(ann_file: str) -> None:
    with pytest.raises(TypeError, match="metainfo should be a Mapping or Config, but got list"):
        ToyDataset(ann_file, metainfo=["a"])


def test_reads_any_fsspec_url() -> None:
    url = f"memory://mmlight-tests/{uuid.uuid4().hex}/ann.json"
    with fsspec.open(url, "w") as stream:
        json.dump({"metainfo": {}, "data_list": RECORDS[:2]}, stream)
    dataset = BaseDataset(url, data_root="/data")
    assert dataset.ann_file == url  # a URL is absolute: data_root is not joined onto it
    assert [dataset.get_data_info(i)["img_path"] for i in range(2)] == [
        "/data/img0.jpg",
        "/data/img1.jpg",
    ]


def test_reads_yaml_annotations(tmp_path: Path) -> None:
    path = tmp_path / "ann.yaml"
    path.write_text(yaml.safe_dump({"metainfo": {"k": 1}, "data_list": RECORDS[:1]}))
    assert BaseDataset(str(path)).metainfo == {"k": 1}


def test_data_root_joins_relative_paths_only(tmp_path: Path) -> None:
    write_ann(tmp_path / "ann.json")
    dataset = BaseDataset(
        "ann.json",
        data_root=str(tmp_path),
        data_prefix=dict(img_path="images", seg="/abs/seg"),
        lazy_init=True,
    )
    assert dataset.ann_file == str(tmp_path / "ann.json")
    assert dataset.data_prefix == {"img_path": str(tmp_path / "images"), "seg": "/abs/seg"}


def test_data_prefix_is_joined_onto_records(tmp_path: Path) -> None:
    ann = write_ann(tmp_path / "ann.json")
    dataset = BaseDataset(ann, data_prefix=dict(img_path="imgs"))
    assert dataset.get_data_info(0)["img_path"] == "imgs/img0.jpg"


def test_data_prefix_values_must_be_strings(ann_file: str) -> None:
    with pytest.raises(TypeError, match=r"data_prefix\['img_path'\] is a int: 3"):
        BaseDataset(ann_file, data_prefix=dict(img_path=3))


def test_records_without_a_prefix_key_are_an_error(ann_file: str) -> None:
    with pytest.raises(KeyError, match="does not contain prefix key 'depth'") as info:
        BaseDataset(ann_file, data_prefix=dict(depth=""))
    assert isinstance(info.value, AssertionError)  # mmengine asserts here


def test_parse_data_info_may_return_several_samples(ann_file: str) -> None:
    class Frames(BaseDataset):
        def parse_data_info(self, raw: dict) -> list[dict]:
            return [dict(raw, frame=0), dict(raw, frame=1)]

    assert len(Frames(ann_file)) == 12


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ([1], "list of dict, but parse_data_info returned a list holding a int"),
        (3, "dict or list of dict, but parse_data_info returned a int"),
    ],
)
def test_parse_data_info_must_return_dicts(ann_file: str, result: Any, message: str) -> None:
    class Bad(BaseDataset):
        def parse_data_info(self, raw: dict) -> Any:
            return result

    with pytest.raises(TypeError, match=message):
        Bad(ann_file)


def test_filter_data_and_indices_apply_in_order(ann_file: str) -> None:
    class EvenOnly(BaseDataset):
        def filter_data(self) -> list[dict]:
            return [d for d in self.data_list if d["label"] != 1]

    dataset = EvenOnly(ann_file, indices=[0, -1])
    assert [dataset.get_data_info(i)["img_path"] for i in range(2)] == ["img0.jpg", "img5.jpg"]
    assert len(EvenOnly(ann_file, indices=3)) == 3


@pytest.mark.parametrize("serialize", [True, False])
@pytest.mark.parametrize(
    ("indices", "expected"),
    [
        (2, [0, 1]),
        (-2, [4, 5]),
        (0, []),
        (10, [0, 1, 2, 3, 4, 5]),
        ([3, -1, 3], [3, 5, 3]),
        ([], []),
    ],
)
def test_get_subset(ann_file: str, serialize: bool, indices: Any, expected: list[int]) -> None:
    dataset = ToyDataset(ann_file, serialize_data=serialize)
    subset = dataset.get_subset(indices)
    assert type(subset) is ToyDataset
    assert [subset.get_data_info(i)["img_path"] for i in range(len(subset))] == [
        f"img{i}.jpg" for i in expected
    ]
    assert len(dataset) == 6
    assert subset.metainfo == dataset.metainfo
    dataset.get_subset_(indices)
    assert len(dataset) == len(expected)


def test_get_subset_rejects_bad_indices(ann_file: str) -> None:
    dataset = ToyDataset(ann_file)
    with pytest.raises(IndexError, match=r"index 6 in indices is out of range .*length 6"):
        dataset.get_subset([0, 6])
    with pytest.raises(TypeError, match="indices should be a int or sequence of int"):
        dataset.get_subset(np.arange(2))


def test_empty_annotation_list_gives_an_empty_dataset(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text(json.dumps({"metainfo": {}, "data_list": []}))
    assert len(BaseDataset(str(path))) == 0


def test_lazy_init_defers_loading_until_needed(
    ann_file: str, caplog: pytest.LogCaptureFixture
) -> None:
    dataset = ToyDataset(ann_file, lazy_init=True)
    assert not dataset._fully_initialized
    assert dataset.metainfo == {"classes": ("a", "b", "c"), "task": "toy"}  # not the file's
    with caplog.at_level(logging.WARNING, logger="mmlight"):
        assert len(dataset) == 6
    assert "ToyDataset.__len__ was called before full_init()" in caplog.text
    assert dataset._fully_initialized
    assert dataset.metainfo["version"] == 1


def test_getitem_on_a_lazy_dataset_initializes_it(ann_file: str) -> None:
    dataset = ToyDataset(ann_file, lazy_init=True)
    assert dataset[0]["img_path"] == "img0.jpg"


def test_pipeline_none_refetches_a_random_sample(ann_file: str) -> None:
    pipeline = [lambda d: None if d["label"] == 0 else d]
    dataset = ToyDataset(ann_file, pipeline=pipeline)
    np.random.seed(0)
    assert dataset[0]["label"] != 0


def test_refetch_gives_up_after_max_refetch(ann_file: str) -> None:
    calls = []

    def reject(data: dict) -> None:
        calls.append(data["sample_idx"])

    dataset = ToyDataset(ann_file, pipeline=[reject], max_refetch=3)
    with pytest.raises(RuntimeError, match="Cannot find valid image after 3!"):
        dataset[0]
    assert len(calls) == 4


def test_test_mode_never_refetches(ann_file: str) -> None:
    dataset = ToyDataset(ann_file, pipeline=[lambda d: None], test_mode=True)
    with pytest.raises(RuntimeError, match="Test time pipline should not get `None`"):
        dataset[2]


@pytest.mark.parametrize(
    ("content", "name", "error", "message"),
    [
        ("[1, 2]", "a.json", TypeError, "should be a dict, but got list"),
        ('{"data_list": []}', "a.json", ValueError, r"lacks \['metainfo'\]"),
        ("{}", "a.txt", TypeError, r"Unsupported format: 'txt'"),
    ],
)
def test_bad_annotation_files(
    tmp_path: Path, content: str, name: str, error: type, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(error, match=message):
        BaseDataset(str(path))


def test_missing_ann_file_is_explained() -> None:
    with pytest.raises(TypeError, match="BaseDataset has no ann_file to load"):
        BaseDataset()


def test_get_cat_ids_must_be_implemented(ann_file: str) -> None:
    with pytest.raises(NotImplementedError, match="must implement `get_cat_ids`"):
        ToyDataset(ann_file).get_cat_ids(0)


def test_force_full_init_needs_a_full_init_method() -> None:
    class NoInit:
        @force_full_init
        def size(self) -> int:
            return 1

    with pytest.raises(AttributeError, match="does not have full_init method"):
        NoInit().size()
