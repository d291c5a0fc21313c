"""Evaluator: building metrics, meta propagation, process, evaluate, offline_evaluate."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from mmlight.evaluator import (
    BaseMetric,
    DuplicateMetricNameError,
    Evaluator,
    LengthMismatchError,
    MetricConfigError,
)
from mmlight.registry import EVALUATOR, METRICS


@METRICS.register_module(name="_EvaluatorTestMetric", force=True)
class ToyMetric(BaseMetric):
    """Records what it was given; reports counts."""

    default_prefix = "toy"

    def __init__(self, offset: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.offset = offset
        self.batches: list[Any] = []

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.batches.append(data_batch)
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return {"n": len(results) + self.offset, "first": results[0] if results else None}


class Element:
    """Stands in for mmengine's BaseDataElement: only to_dict() matters."""

    def __init__(self, **fields: Any) -> None:
        self.fields = fields

    def to_dict(self) -> dict:
        return dict(self.fields)


def test_evaluator_is_registered() -> None:
    assert EVALUATOR.get("Evaluator") is Evaluator
    built = EVALUATOR.build(dict(type="Evaluator", metrics=dict(type="_EvaluatorTestMetric")))
    assert isinstance(built, Evaluator)


def test_single_dict_is_built_through_metrics_registry() -> None:
    evaluator = Evaluator(dict(type="_EvaluatorTestMetric", offset=10, prefix="a"))
    assert len(evaluator.metrics) == 1
    metric = evaluator.metrics[0]
    assert isinstance(metric, ToyMetric) and metric.offset == 10 and metric.prefix == "a"


def test_mixed_sequence_of_dicts_and_instances() -> None:
    instance = ToyMetric(prefix="b")
    evaluator = Evaluator([dict(type="_EvaluatorTestMetric"), instance])
    assert evaluator.metrics[1] is instance
    evaluator.process([{"x": 1}, {"x": 2}])
    assert evaluator.evaluate(2) == {
        "toy/n": 2,
        "toy/first": {"x": 1},
        "b/n": 2,
        "b/first": {"x": 1},
    }


def test_dataset_meta_reaches_every_metric() -> None:
    evaluator = Evaluator([ToyMetric(), ToyMetric(prefix="b")])
    meta = {"classes": ("cat", "dog")}
    evaluator.dataset_meta = meta
    assert evaluator.dataset_meta is meta
    assert all(metric.dataset_meta is meta for metric in evaluator.metrics)


def test_process_converts_elements_and_passes_the_batch() -> None:
    metric = ToyMetric()
    evaluator = Evaluator(metric)
    batch = {"inputs": [1, 2]}
    evaluator.process([Element(pred=1), {"pred": 2}], batch)
    assert metric.results == [{"pred": 1}, {"pred": 2}]
    assert metric.batches == [batch]


def test_duplicate_names_error_names_both_metrics_and_the_key() -> None:
    evaluator = Evaluator([ToyMetric(), ToyMetric(offset=1)])
    evaluator.process([{"p": 0}])
    with pytest.raises(
        DuplicateMetricNameError,
        match=r"There are multiple evaluation results with the same metric name toy/n: "
        r"'toy/n' is produced by both metrics\[0\] \(ToyMetric, "
        r"prefix='toy'\) and metrics\[1\] \(ToyMetric, prefix='toy'\).*different prefixes",
    ) as info:
        evaluator.evaluate(1)
    assert isinstance(info.value, ValueError)  # what mmengine raises
    assert info.value.name == "toy/n"


def test_bad_metric_entry_is_rejected() -> None:
    with pytest.raises(
        MetricConfigError,
        match="must be a config dict, a BaseMetric or a torchmetrics Metric, got int",
    ):
        Evaluator([3])
    with pytest.raises(TypeError):  # MetricConfigError is a TypeError
        Evaluator("Accuracy")


def test_unknown_metric_type_uses_the_registry_error() -> None:
    with pytest.raises(KeyError, match=r"_EvaluatorTestMetrc.*did you mean '_EvaluatorTestMetric'"):
        Evaluator(dict(type="_EvaluatorTestMetrc"))


def test_duck_typed_metric_objects_are_kept() -> None:
    class Duck:
        dataset_meta = None

        def process(self, data_batch: Any, data_samples: Any) -> None:
            self.seen = list(data_samples)

        def evaluate(self, size: int) -> dict:
            return {"duck": size}

    duck = Duck()
    evaluator = Evaluator([duck])
    evaluator.process([{"a": 1}])
    assert evaluator.evaluate(7) == {"duck": 7} and duck.seen == [{"a": 1}]


# ---------------------------------------------------------------- offline_evaluate


@pytest.mark.parametrize("chunk_size", [1, 2, 5])
def test_offline_evaluate_without_data(chunk_size: int) -> None:
    metric = ToyMetric()
    evaluator = Evaluator(metric)
    samples = [{"i": i} for i in range(5)]
    assert evaluator.offline_evaluate(samples, chunk_size=chunk_size) == {
        "toy/n": 5,
        "toy/first": {"i": 0},
    }
    assert metric.batches == [None] * -(-5 // chunk_size)


def test_offline_evaluate_with_data_collates_chunks() -> None:
    pytest.importorskip("mmlight.dataset")
    metric = ToyMetric()
    evaluator = Evaluator(metric)
    samples = [{"i": i} for i in range(3)]
    data = [{"inputs": torch.tensor([i])} for i in range(3)]
    assert evaluator.offline_evaluate(samples, data, chunk_size=2)["toy/n"] == 3
    # pseudo_collate keeps the per-sample tensors in a list under each key.
    assert [len(batch["inputs"]) for batch in metric.batches] == [2, 1]


def test_offline_evaluate_checks_lengths_and_chunk_size() -> None:
    evaluator = Evaluator(ToyMetric())
    with pytest.raises(LengthMismatchError, match="got 2 data samples and 1 data items"):
        evaluator.offline_evaluate([{}, {}], [{}])
    with pytest.raises(AssertionError):  # mmengine asserts here
        evaluator.offline_evaluate([{}, {}], [{}])
    with pytest.raises(ValueError, match="chunk_size must be a positive int, got 0"):
        evaluator.offline_evaluate([{}], chunk_size=0)


def test_prefix_warning_is_logged_once_per_metric(mm_log: Any) -> None:
    class Bare(ToyMetric):
        default_prefix = None

    Evaluator([Bare()])
    assert mm_log.text.count("The prefix is not set in metric class Bare") == 1


def test_generator_outputs_reach_every_metric() -> None:
    first, second = ToyMetric(), ToyMetric(prefix="b")
    Evaluator([first, second]).process({"i": i} for i in range(3))
    assert first.results == second.results == [{"i": 0}, {"i": 1}, {"i": 2}]
