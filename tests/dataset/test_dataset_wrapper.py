"""ConcatDataset, RepeatDataset, ClassBalancedDataset."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mmlight.dataset import BaseDataset, ClassBalancedDataset, ConcatDataset, RepeatDataset
from mmlight.registry import DATASETS


@DATASETS.register_module(name="WrapperTestDataset", force=True)
class LabelledDataset(BaseDataset):
    METAINFO = dict(classes=("a", "b", "c"))

    def get_cat_ids(self, idx: int) -> list[int]:
        return self.get_data_info(idx)["labels"]


def write_ann(path: Path, labels: list[list[int]], **metainfo: object) -> str:
    records = [{"img_path": f"{path.stem}_{i}.jpg", "labels": ls} for i, ls in enumerate(labels)]
    path.write_text(json.dumps({"metainfo": metainfo, "data_list": records}))
    return str(path)


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[str, str]:
    return (
        write_ann(tmp_path / "first.json", [[0], [1], [0, 1]]),
        write_ann(tmp_path / "second.json", [[2], [2]]),
    )


def test_concat_indexes_across_datasets(two_files: tuple[str, str]) -> None:
    first, second = two_files
    concat = ConcatDataset(
        [LabelledDataset(first), dict(type="WrapperTestDataset", ann_file=second)]
    )
    assert len(concat) == 5
    assert concat.cumulative_sizes == [3, 5]
    assert concat[3]["img_path"] == "second_0.jpg"
    assert concat.get_data_info(-1)["img_path"] == "second_1.jpg"
    assert concat.metainfo == {"classes": ("a", "b", "c")}
    with pytest.raises(ValueError, match=r"absolute value of index\(-6\) should not exceed"):
        concat[-6]


def test_concat_requires_matching_metainfo(tmp_path: Path) -> None:
    a = LabelledDataset(write_ann(tmp_path / "a.json", [[0]], version=1))
    b = LabelledDataset(write_ann(tmp_path / "b.json", [[0]], version=2))
    c = LabelledDataset(write_ann(tmp_path / "c.json", [[0]]))
    with pytest.raises(ValueError, match="does not match meta information of the first dataset"):
        ConcatDataset([a, b])
    with pytest.raises(ValueError, match="version does not in the meta information of the 2-th"):
        ConcatDataset([a, c])
    assert len(ConcatDataset([a, b, c], ignore_keys="version")) == 3


def test_concat_compares_array_metainfo_by_value(tmp_path: Path) -> None:
    ann = write_ann(tmp_path / "a.json", [[0]])
    a = LabelledDataset(ann, metainfo=dict(palette=np.array([1, 2])))
    b = LabelledDataset(ann, metainfo=dict(palette=np.array([1, 2])))
    c = LabelledDataset(ann, metainfo=dict(palette=[1, 2]))
    assert len(ConcatDataset([a, b])) == 2
    with pytest.raises(TypeError, match="The type <class 'list'> of palette in the 2-th"):
        ConcatDataset([a, c])


def test_concat_argument_errors(two_files: tuple[str, str]) -> None:
    with pytest.raises(TypeError, match=r"but datasets\[0\] is a int"):
        ConcatDataset([3])
    with pytest.raises(TypeError, match="ignore_keys should be a list or str, but got tuple"):
        ConcatDataset([LabelledDataset(two_files[0])], ignore_keys=("a",))
    with pytest.raises(IndexError, match="needs at least one dataset"):
        ConcatDataset([])


def test_wrappers_share_lazy_init(two_files: tuple[str, str]) -> None:
    inner = LabelledDataset(two_files[0], lazy_init=True)
    repeat = RepeatDataset(inner, times=2, lazy_init=True)
    assert not inner._fully_initialized
    assert len(repeat) == 6  # __len__ forces full_init of the wrapper and the dataset
    assert inner._fully_initialized
    concat = ConcatDataset([LabelledDataset(two_files[1], lazy_init=True)], lazy_init=True)
    assert concat[1]["img_path"] == "second_1.jpg"


def test_repeat_wraps_indices(two_files: tuple[str, str]) -> None:
    repeat = RepeatDataset(dict(type="WrapperTestDataset", ann_file=two_files[0]), times=3)
    assert len(repeat) == 9
    assert [repeat[i]["sample_idx"] for i in range(9)] == [0, 1, 2] * 3
    assert repeat.get_data_info(4)["img_path"] == "first_1.jpg"
    assert repeat.metainfo == {"classes": ("a", "b", "c")}


def test_class_balanced_repeats_rare_categories(tmp_path: Path) -> None:
    # category 0 in 4/5 samples, category 1 in 1/5, no categories in one sample
    ann = write_ann(tmp_path / "cb.json", [[0], [0], [0], [0, 1], []])
    balanced = ClassBalancedDataset(LabelledDataset(ann), oversample_thr=0.5)
    rare = math.ceil(math.sqrt(0.5 / 0.2))  # 2
    assert balanced.repeat_indices == [0, 1, 2] + [3] * rare + [4]
    assert len(balanced) == 6
    assert balanced.get_cat_ids(4) == [0, 1]
    assert balanced[5]["img_path"] == "cb_4.jpg"
    assert balanced.get_data_info(3)["img_path"] == "cb_3.jpg"


@pytest.mark.parametrize(
    "make",
    [
        lambda ds: ConcatDataset([ds]),
        lambda ds: RepeatDataset(ds, times=2),
        lambda ds: ClassBalancedDataset(ds, oversample_thr=0.1),
    ],
)
def test_wrappers_refuse_subsets(two_files: tuple[str, str], make: object) -> None:
    wrapper = make(LabelledDataset(two_files[0]))  # type: ignore[operator]
    for method in (wrapper.get_subset, wrapper.get_subset_):
        with pytest.raises(NotImplementedError, match="does not support `get_subset`"):
            method(1)


def test_wrappers_need_base_datasets() -> None:
    with pytest.raises(TypeError, match="but dataset is a list"):
        RepeatDataset([1, 2], times=2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="but dataset is a list"):
        ClassBalancedDataset([1, 2], oversample_thr=0.1)  # type: ignore[arg-type]
