"""BaseMetric life cycle and DumpResults, single process."""

from __future__ import annotations

import pickle
from collections import namedtuple
from pathlib import Path
from typing import Any

import fsspec
import pytest
import torch

from mmlight.evaluator import BaseMetric, DumpResults
from mmlight.evaluator.metric import _to_cpu
from mmlight.registry import METRICS


class CountMetric(BaseMetric):
    """Counts samples and sums their 'value' entries."""

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return {"count": len(results), "total": sum(r["value"] for r in results)}


class PrefixedMetric(CountMetric):
    default_prefix = "pref"


def _run(metric: BaseMetric, values: list[int], size: int) -> dict:
    metric.process(None, [{"value": v} for v in values])
    return metric.evaluate(size)


def test_no_prefix_gives_bare_keys_and_warns(mm_log: Any) -> None:
    metric = CountMetric()
    assert "The prefix is not set in metric class CountMetric" in mm_log.text
    assert metric.prefix is None
    assert _run(metric, [1, 2, 3], 3) == {"count": 3, "total": 6}


def test_prefix_argument_and_default_prefix(mm_log: Any) -> None:
    assert _run(CountMetric(prefix="acc"), [1], 1) == {"acc/count": 1, "acc/total": 1}
    assert _run(PrefixedMetric(), [1], 1) == {"pref/count": 1, "pref/total": 1}
    assert _run(PrefixedMetric(prefix="mine"), [1], 1) == {"mine/count": 1, "mine/total": 1}
    # An empty prefix falls back to default_prefix (mmengine: `prefix or default_prefix`).
    assert PrefixedMetric(prefix="").prefix == "pref"
    assert "prefix is not set" not in mm_log.text


def test_evaluate_cuts_at_size_and_clears_results() -> None:
    metric = CountMetric(prefix="m")
    metric.process(None, [{"value": 1}, {"value": 2}])
    metric.process(None, [{"value": 4}])
    assert metric.evaluate(2) == {"m/count": 2, "m/total": 3}
    assert metric.results == []


def test_empty_results_warn(mm_log: Any) -> None:
    metric = CountMetric(prefix="m")
    assert metric.evaluate(0) == {"m/count": 0, "m/total": 0}
    assert "CountMetric got empty `self.results`" in mm_log.text


def test_gpu_collect_device_in_one_process() -> None:
    metric = CountMetric(collect_device="gpu", prefix="g")
    assert _run(metric, [5, 6], 2) == {"g/count": 2, "g/total": 11}


def test_collect_dir_only_with_cpu(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"collect_dir=.* only works with collect_device='cpu'"):
        CountMetric(collect_device="gpu", collect_dir=str(tmp_path), prefix="x")
    metric = CountMetric(collect_dir=str(tmp_path), prefix="x")
    assert metric.collect_dir == str(tmp_path)


def test_unknown_collect_device_fails_at_construction() -> None:
    # mmengine only fails in evaluate(), with NotImplementedError; this is both types.
    with pytest.raises(NotImplementedError, match=r"collect_device='cuda' is not supported"):
        CountMetric(collect_device="cuda", prefix="x")
    with pytest.raises(ValueError, match=r"choose one of 'cpu', 'gpu', 'npu'"):
        CountMetric(collect_device="cuda", prefix="x")


def test_dataset_meta_property() -> None:
    metric = CountMetric(prefix="x")
    assert metric.dataset_meta is None
    metric.dataset_meta = {"classes": ("a", "b")}
    assert metric.dataset_meta == {"classes": ("a", "b")}


def test_abstract_methods_are_required() -> None:
    class Incomplete(BaseMetric):
        def process(self, data_batch: Any, data_samples: Any) -> None:
            pass

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()  # type: ignore[abstract]


def test_to_cpu_walks_containers() -> None:
    Pair = namedtuple("Pair", "a b")

    class Element:
        def __init__(self) -> None:
            self.moved_to: str | None = None

        def to_dict(self) -> dict:
            return {}

        def to(self, device: str) -> Element:
            self.moved_to = device
            return self

    element = Element()
    out = _to_cpu(
        {"x": [torch.ones(1), (torch.zeros(1), 3)], "p": Pair(torch.ones(1), "s"), "e": element}
    )
    assert out["x"][1][1] == 3
    assert isinstance(out["p"], Pair) and out["p"].b == "s"
    assert element.moved_to == "cpu"


# ---------------------------------------------------------------- DumpResults


def test_dump_results_is_registered() -> None:
    assert METRICS.get("DumpResults") is DumpResults


def test_dump_results_writes_pickle_creating_parents(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "out.pkl"
    metric = DumpResults(out_file_path=str(path))
    metric.process(None, [{"pred": torch.tensor([1.0])}, {"pred": torch.tensor([2.0])}])
    assert metric.evaluate(2) == {}
    dumped = pickle.loads(path.read_bytes())
    assert [d["pred"].tolist() for d in dumped] == [[1.0], [2.0]]


def test_dump_results_through_fsspec_memory() -> None:
    url = "memory://mmlight-test-evaluator/dump/results.pickle"
    metric = DumpResults(out_file_path=url)
    metric.process(None, [{"a": 1}, {"a": 2}, {"a": 3}])
    metric.evaluate(2)
    with fsspec.open(url, "rb") as file:
        assert pickle.load(file) == [{"a": 1}, {"a": 2}]
    fsspec.filesystem("memory").rm("/mmlight-test-evaluator", recursive=True)


def test_dump_results_rejects_other_extensions() -> None:
    with pytest.raises(ValueError, match=r"must end with '.pkl' or '.pickle'; got 'out.json'"):
        DumpResults(out_file_path="out.json")
