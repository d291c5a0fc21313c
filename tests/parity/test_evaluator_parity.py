"""The same metrics, evaluators and collect_results calls under mmengine and mmlight."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

mmengine = pytest.importorskip("mmengine")

import mmengine.dist as me_dist  # noqa: E402
import mmengine.evaluator as me_eval  # noqa: E402
from mmengine.registry import METRICS as ME_METRICS  # noqa: E402
from mmengine.structures import BaseDataElement  # noqa: E402

import mmlight.dist as ml_dist  # noqa: E402
import mmlight.evaluator as ml_eval  # noqa: E402
from mmlight.registry import METRICS as ML_METRICS  # noqa: E402

LIBS = {"mmengine": (me_eval, ME_METRICS), "mmlight": (ml_eval, ML_METRICS)}


def _toy_classes(evaluator_module: Any) -> dict[str, type]:
    """The same metric source, once per library's BaseMetric."""
    base = evaluator_module.BaseMetric

    class Accuracy(base):  # type: ignore[misc, valid-type]
        default_prefix = "accuracy"

        def __init__(self, topk: int = 1, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.topk = topk

        def process(self, data_batch: Any, data_samples: Any) -> None:
            for sample in data_samples:
                top = sample["pred_score"].topk(self.topk).indices
                self.results.append(
                    {"correct": bool((top == sample["gt_label"]).any()), "idx": sample["idx"]}
                )

        def compute_metrics(self, results: list) -> dict:
            correct = sum(r["correct"] for r in results)
            return {
                f"top{self.topk}": 100.0 * correct / len(results),
                "n": len(results),
                "order": [r["idx"] for r in results],
            }

    class NoPrefix(Accuracy):
        default_prefix = None

    return {"Accuracy": Accuracy, "NoPrefix": NoPrefix}


CLASSES = {name: _toy_classes(module) for name, (module, _) in LIBS.items()}
for _lib, (_module, _registry) in LIBS.items():
    _registry.register_module(name="_ParityAccuracy", module=CLASSES[_lib]["Accuracy"], force=True)


def _samples(n: int = 9, as_elements: bool = False) -> list[Any]:
    generator = torch.Generator().manual_seed(3)
    scores = torch.rand(n, 4, generator=generator)
    labels = torch.randint(0, 4, (n,), generator=generator)
    samples = [{"pred_score": scores[i], "gt_label": labels[i], "idx": i} for i in range(n)]
    if as_elements:
        return [BaseDataElement(**sample) for sample in samples]
    return samples


def _both(build: Any) -> dict[str, Any]:
    """Run ``build(lib_name, evaluator_module, classes)`` for each library."""
    return {lib: build(lib, LIBS[lib][0], CLASSES[lib]) for lib in LIBS}


def _run_metric(metric: Any, size: int, batch: int = 4) -> dict:
    samples = _samples()
    for start in range(0, len(samples), batch):
        metric.process(None, samples[start : start + batch])
    return metric.evaluate(size)


@pytest.mark.parametrize(
    ("cls_name", "kwargs"),
    [
        ("Accuracy", {}),
        ("Accuracy", {"prefix": "val"}),
        ("Accuracy", {"prefix": ""}),
        ("Accuracy", {"topk": 2, "collect_device": "gpu"}),
        ("NoPrefix", {}),
        ("NoPrefix", {"prefix": "custom"}),
    ],
)
@pytest.mark.parametrize("size", [9, 6])
def test_single_metric_results_match(cls_name: str, kwargs: dict, size: int) -> None:
    out = _both(lambda lib, mod, classes: _run_metric(classes[cls_name](**kwargs), size))
    assert out["mmlight"] == out["mmengine"]


def test_evaluator_with_several_metrics_and_elements_matches() -> None:
    def build(lib: str, mod: Any, classes: dict) -> dict:
        evaluator = mod.Evaluator(
            [
                dict(type="_ParityAccuracy", topk=1),
                dict(type="_ParityAccuracy", topk=2, prefix="top2"),
                classes["NoPrefix"](topk=3),
            ]
        )
        evaluator.dataset_meta = {"classes": ("a", "b", "c", "d")}
        assert all(m.dataset_meta == {"classes": ("a", "b", "c", "d")} for m in evaluator.metrics)
        samples = _samples(as_elements=True)
        for start in range(0, len(samples), 2):
            evaluator.process(samples[start : start + 2], {"batch": start})
        return evaluator.evaluate(8)

    out = _both(build)
    assert out["mmlight"] == out["mmengine"]
    assert set(out["mmlight"]) == {
        "accuracy/top1",
        "accuracy/n",
        "accuracy/order",
        "top2/top2",
        "top2/n",
        "top2/order",
        "top3",
        "n",
        "order",
    }


def test_duplicate_name_error_type_matches() -> None:
    def build(lib: str, mod: Any, classes: dict) -> BaseException:
        evaluator = mod.Evaluator([classes["Accuracy"](), classes["Accuracy"](topk=2)])
        evaluator.process(_samples())
        with pytest.raises(Exception) as info:
            evaluator.evaluate(9)
        return info.value

    out = _both(build)
    assert type(out["mmengine"]) is ValueError
    assert isinstance(out["mmlight"], ValueError)
    assert "accuracy/n" in str(out["mmlight"])


def test_offline_evaluate_matches() -> None:
    def build(lib: str, mod: Any, classes: dict) -> tuple[dict, dict]:
        evaluator = mod.Evaluator(classes["Accuracy"](topk=2))
        plain = evaluator.offline_evaluate(_samples(), chunk_size=4)
        data = [{"inputs": torch.tensor([i])} for i in range(9)]
        with_data = evaluator.offline_evaluate(_samples(), data, chunk_size=2)
        return plain, with_data

    out = _both(build)
    assert out["mmlight"] == out["mmengine"]


def test_dump_results_files_match(tmp_path: Path) -> None:
    def build(lib: str, mod: Any, classes: dict) -> list:
        path = tmp_path / lib / "preds.pkl"
        metric = mod.DumpResults(out_file_path=str(path))
        assert metric.evaluate  # both are metrics with the same life cycle
        metric.process(None, [{"pred": torch.tensor([1.0]), "k": "a"}, {"pred": torch.ones(2)}])
        assert metric.evaluate(2) == {}
        return pickle.loads(path.read_bytes())

    out = _both(build)
    assert len(out["mmlight"]) == len(out["mmengine"]) == 2
    for ours, theirs in zip(out["mmlight"], out["mmengine"]):
        assert ours.keys() == theirs.keys()
        assert torch.equal(ours["pred"], theirs["pred"])


@pytest.mark.parametrize("indicator", ["top1", "accuracy/top1", "n", "missing", "x/missing"])
def test_get_metric_value_matches(indicator: str) -> None:
    metrics = {"accuracy/top1": 50.0, "accuracy/n": 9, "other/n": 3}

    def call(module: Any) -> Any:
        try:
            return module.get_metric_value(indicator, metrics)
        except ValueError:
            return "raised ValueError"  # mmengine's exact type; mmlight's is a subclass

    assert call(ml_eval) == call(me_eval)


# ---------------------------------------------------------------- mmlight.dist


@pytest.mark.parametrize("device", ["cpu", "gpu"])
@pytest.mark.parametrize("size", [0, 2, 4, 10])
def test_collect_results_single_process_matches(device: str, size: int) -> None:
    results = ["a", {"b": 1}, 3, torch.tensor([4])]

    def plain(items: list) -> list:
        return [x.tolist() if isinstance(x, torch.Tensor) else x for x in items]

    ours = ml_dist.collect_results(results, size, device)
    theirs = me_dist.collect_results(results, size, device)
    assert ours is not None and theirs is not None
    assert plain(ours) == plain(theirs)


def test_single_process_dist_helpers_match() -> None:
    for name in (
        "get_dist_info",
        "get_rank",
        "get_world_size",
        "is_main_process",
        "is_distributed",
        "get_backend",
        "infer_launcher",
        "get_local_rank",
        "get_local_size",
    ):
        assert getattr(ml_dist, name)() == getattr(me_dist, name)(), name
    assert ml_dist.all_gather_object({"x": 1}) == me_dist.all_gather_object({"x": 1})
    ours, theirs = [1, "a"], [1, "a"]
    ml_dist.broadcast_object_list(ours)
    me_dist.broadcast_object_list(theirs)
    assert ours == theirs
    for op in ("sum", "mean", "max"):
        a, b = torch.arange(3.0), torch.arange(3.0)
        ml_dist.all_reduce(a, op)
        me_dist.all_reduce(b, op)
        assert torch.equal(a, b)


def test_sync_random_seed_consumes_numpy_like_mmengine() -> None:
    np.random.seed(1234)
    ours = ml_dist.sync_random_seed()
    after_ours = np.random.rand()
    np.random.seed(1234)
    theirs = me_dist.sync_random_seed()
    after_theirs = np.random.rand()
    assert (ours, after_ours) == (theirs, after_theirs)
