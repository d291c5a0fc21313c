"""TorchMetricAdapter with real torchmetrics, in one process and on 2 gloo processes."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
import torchmetrics
from torchmetrics.classification import (
    MulticlassAccuracy,
    MulticlassPrecisionRecallCurve,
    MulticlassRecall,
)
from torchmetrics.regression import MeanSquaredError

from mmlight.evaluator import (
    BaseMetric,
    Evaluator,
    PredictionFormatError,
    TorchMetricAdapter,
    TorchMetricArgumentError,
)
from mmlight.registry import METRICS

NUM_CLASSES = 3


def _data(n: int = 7, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    scores = torch.rand(n, NUM_CLASSES, generator=generator)
    labels = torch.randint(0, NUM_CLASSES, (n,), generator=generator)
    return scores, labels


def _expected_accuracy(scores: torch.Tensor, labels: torch.Tensor, **kwargs: Any) -> float:
    return MulticlassAccuracy(num_classes=NUM_CLASSES, **kwargs)(scores, labels).item()


# ---------------------------------------------------------------- building


def test_dotted_type_dict_builds_an_adapter_and_splits_keys() -> None:
    evaluator = Evaluator(
        dict(
            type="torchmetrics.classification.MulticlassAccuracy",
            num_classes=NUM_CLASSES,
            average="micro",
            pred_key="score",
            target_key="gt",
            name="acc",
            prefix="val",
        )
    )
    (adapter,) = evaluator.metrics
    assert isinstance(adapter, TorchMetricAdapter)
    assert isinstance(adapter.metric, MulticlassAccuracy)
    assert adapter.metric.average == "micro" and adapter.metric.num_classes == NUM_CLASSES
    assert (adapter.pred_key, adapter.target_key, adapter.name, adapter.prefix) == (
        "score",
        "gt",
        "acc",
        "val",
    )


def test_class_object_as_type_and_instance_in_list() -> None:
    mse = MeanSquaredError()
    evaluator = Evaluator([dict(type=MulticlassAccuracy, num_classes=NUM_CLASSES), mse])
    assert [type(m.metric).__name__ for m in evaluator.metrics] == [  # type: ignore[attr-defined]
        "MulticlassAccuracy",
        "MeanSquaredError",
    ]
    assert evaluator.metrics[1].metric is mse  # type: ignore[attr-defined]


def test_adapter_is_registered_and_takes_a_nested_metric_cfg() -> None:
    adapter = METRICS.build(
        dict(
            type="TorchMetricAdapter",
            metric=dict(type="torchmetrics.classification.MulticlassAccuracy", num_classes=3),
            pred_key="p",
        )
    )
    assert isinstance(adapter.metric, MulticlassAccuracy) and adapter.pred_key == "p"


def test_bad_metric_kwarg_is_explained() -> None:
    # torchmetrics raises a bare ValueError("Unexpected keyword arguments: `num_clases`").
    with pytest.raises(
        TorchMetricArgumentError,
        match=r"torchmetrics.classification.MulticlassAccuracy got unexpected keyword "
        r"argument\(s\) 'num_clases' \(did you mean 'num_classes'\?\)\. It accepts: num_classes, "
        r"top_k, .*compute_on_cpu.*; the adapter itself takes pred_key, target_key, name, prefix",
    ) as info:
        Evaluator(dict(type="torchmetrics.classification.MulticlassAccuracy", num_clases=3))
    assert isinstance(info.value, ValueError)
    assert info.value.unexpected == ["num_clases"]


def test_kwarg_of_another_metric_is_named_without_a_guess() -> None:
    with pytest.raises(
        ValueError,
        match=r"BinaryAccuracy got unexpected keyword argument\(s\) 'num_classes'\. "
        r"It accepts: threshold",
    ):
        Evaluator(dict(type="torchmetrics.classification.BinaryAccuracy", num_classes=3))


def test_adapter_rejects_non_torchmetrics() -> None:
    with pytest.raises(
        TypeError, match=r"needs a torchmetrics Metric or MetricCollection .* got int"
    ):
        TorchMetricAdapter(3)


def test_import_does_not_load_torchmetrics() -> None:
    code = "import sys, mmlight.evaluator; print('torchmetrics' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- input conventions


def test_tuple_from_val_step_is_update_args() -> None:
    scores, labels = _data()
    evaluator = Evaluator(dict(type=MulticlassAccuracy, num_classes=NUM_CLASSES))
    evaluator.process((scores[:4], labels[:4]))
    evaluator.process((scores[4:], labels[4:]))
    assert evaluator.evaluate(7) == {
        "MulticlassAccuracy": pytest.approx(_expected_accuracy(scores, labels))
    }


def test_per_sample_dicts_with_default_keys() -> None:
    scores, labels = _data()
    evaluator = Evaluator(dict(type=MulticlassAccuracy, num_classes=NUM_CLASSES, prefix="val"))
    samples = [{"pred_score": s, "gt_label": label} for s, label in zip(scores, labels)]
    evaluator.process(samples[:5])
    evaluator.process(samples[5:])
    assert evaluator.evaluate(7) == {
        "val/MulticlassAccuracy": pytest.approx(_expected_accuracy(scores, labels))
    }


def test_mmpretrain_style_elements_with_one_element_labels() -> None:
    class DataSample:
        def __init__(self, score: torch.Tensor, label: torch.Tensor) -> None:
            self.score, self.label = score, label

        def to_dict(self) -> dict:
            return {"pred_score": self.score, "gt_label": self.label.view(1), "img_id": 0}

    scores, labels = _data()
    evaluator = Evaluator(dict(type=MulticlassAccuracy, num_classes=NUM_CLASSES))
    evaluator.process([DataSample(s, label) for s, label in zip(scores, labels)])
    assert evaluator.evaluate(7)["MulticlassAccuracy"] == pytest.approx(
        _expected_accuracy(scores, labels)
    )


def test_explicit_and_dotted_keys() -> None:
    scores, labels = _data()
    adapter = TorchMetricAdapter(
        MulticlassAccuracy(num_classes=NUM_CLASSES), pred_key="out.logits", target_key="y"
    )
    adapter.process(
        None, [{"out": {"logits": s}, "y": int(label)} for s, label in zip(scores, labels)]
    )
    assert adapter.evaluate(7)["MulticlassAccuracy"] == pytest.approx(
        _expected_accuracy(scores, labels)
    )


def test_batched_dict_output() -> None:
    preds, target = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 1.0, 1.0])
    evaluator = Evaluator(dict(type=MeanSquaredError, name="mse"))
    evaluator.process({"preds": preds, "target": target})
    assert evaluator.evaluate(3) == {"mse": pytest.approx(10.0 / 3)}


def test_per_sample_numbers_for_regression() -> None:
    evaluator = Evaluator(MeanSquaredError())
    evaluator.process([{"pred": 1.0, "target": 0.0}, {"pred": 3.0, "target": 1.0}])
    assert evaluator.evaluate(2) == {"MeanSquaredError": pytest.approx(2.5)}


def test_single_input_metric_takes_a_tensor() -> None:
    evaluator = Evaluator(dict(type="torchmetrics.aggregation.MeanMetric", name="loss"))
    evaluator.process(torch.tensor([1.0, 2.0]))
    evaluator.process([{"pred": torch.tensor(6.0)}])
    assert evaluator.evaluate(3) == {"loss": pytest.approx(3.0)}


def test_missing_key_lists_what_is_there() -> None:
    adapter = TorchMetricAdapter(MulticlassAccuracy(num_classes=NUM_CLASSES))
    with pytest.raises(
        PredictionFormatError,
        match=r"the default pred_keys 'pred', 'preds', 'pred_score', 'pred_label' not found "
        r"in the data samples, whose keys are \['gt_label', 'logits'\]; set pred_key='...'",
    ):
        adapter.process(None, [{"logits": torch.zeros(3), "gt_label": 0}])
    adapter = TorchMetricAdapter(MulticlassAccuracy(num_classes=NUM_CLASSES), target_key="y")
    with pytest.raises(ValueError, match=r"target_key='y' not found in the output dict"):
        adapter.process(None, {"pred": torch.zeros(1, 3), "label": torch.zeros(1)})


def test_predictions_without_target_are_explained() -> None:
    adapter = TorchMetricAdapter(MulticlassAccuracy(num_classes=NUM_CLASSES))
    with pytest.raises(PredictionFormatError, match=r"MulticlassAccuracy.update needs both"):
        adapter.process(None, torch.zeros(2, 3))


# ---------------------------------------------------------------- results


def test_metric_collection_gives_one_key_per_entry() -> None:
    scores, labels = _data()
    collection = torchmetrics.MetricCollection(
        {
            "acc": MulticlassAccuracy(num_classes=NUM_CLASSES),
            "recall": MulticlassRecall(num_classes=NUM_CLASSES),
        }
    )
    evaluator = Evaluator([collection, dict(type=MulticlassAccuracy, num_classes=3, prefix="m")])
    assert isinstance(evaluator.metrics[0], TorchMetricAdapter)
    evaluator.process((scores, labels))
    results = evaluator.evaluate(7)
    assert set(results) == {"acc", "recall", "m/MulticlassAccuracy"}
    assert results["acc"] == pytest.approx(_expected_accuracy(scores, labels))
    assert isinstance(results["recall"], float)


def test_curve_metric_returns_cpu_tensors_under_its_name() -> None:
    scores, labels = _data()
    adapter = TorchMetricAdapter(
        MulticlassPrecisionRecallCurve(num_classes=NUM_CLASSES, thresholds=5), name="pr"
    )
    adapter.process(None, (scores.softmax(-1), labels))
    precision, _recall, thresholds = adapter.evaluate(7)["pr"]
    assert precision.shape == (NUM_CLASSES, 6) and thresholds.shape == (5,)
    assert precision.device.type == "cpu"


def test_state_is_reset_between_evaluations() -> None:
    evaluator = Evaluator(MeanSquaredError())
    evaluator.process((torch.tensor([2.0]), torch.tensor([0.0])))
    assert evaluator.evaluate(1) == {"MeanSquaredError": 4.0}
    evaluator.process((torch.tensor([1.0]), torch.tensor([0.0])))
    assert evaluator.evaluate(1) == {"MeanSquaredError": 1.0}


def test_reset_forgets_pending_and_accumulated_samples() -> None:
    adapter = TorchMetricAdapter(MeanSquaredError())
    adapter.process(None, (torch.tensor([5.0]), torch.tensor([0.0])))
    adapter.process(None, (torch.tensor([5.0]), torch.tensor([0.0])))  # first one is updated
    adapter.reset()
    adapter.process(None, (torch.tensor([1.0]), torch.tensor([0.0])))
    assert adapter.evaluate(1) == {"MeanSquaredError": 1.0}


def test_samples_beyond_size_in_the_last_batch_are_dropped() -> None:
    scores, labels = _data(6)
    evaluator = Evaluator(dict(type=MulticlassAccuracy, num_classes=NUM_CLASSES))
    evaluator.process((scores[:4], labels[:4]))
    evaluator.process((scores[4:], labels[4:]))
    # Like collect_results(..., size=5): the 6th sample is padding.
    assert evaluator.evaluate(5)["MulticlassAccuracy"] == pytest.approx(
        _expected_accuracy(scores[:5], labels[:5])
    )


def test_padding_outside_the_last_batch_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    scores, labels = _data(6)
    adapter = TorchMetricAdapter(MulticlassAccuracy(num_classes=NUM_CLASSES))
    adapter.process(None, (scores[:4], labels[:4]))
    adapter.process(None, (scores[4:], labels[4:]))
    with caplog.at_level(logging.WARNING, logger="mmlight.evaluator"):
        adapter.evaluate(3)
    assert "3 samples beyond the dataset size" in caplog.text


def test_no_samples_warns(caplog: pytest.LogCaptureFixture) -> None:
    adapter = TorchMetricAdapter(MeanSquaredError())
    with (
        caplog.at_level(logging.WARNING, logger="mmlight.evaluator"),
        pytest.warns(UserWarning, match="was called before the ``update`` method"),
    ):
        adapter.evaluate(0)
    assert "TorchMetricAdapter(MeanSquaredError) got no samples" in caplog.text


def test_adapter_next_to_base_metric_in_one_evaluator() -> None:
    class Correct(BaseMetric):
        default_prefix = "mine"

        def process(self, data_batch: Any, data_samples: Any) -> None:
            scores, labels = data_samples  # mmengine's Evaluator hands over a list
            self.results.extend((scores.argmax(-1) == labels).tolist())

        def compute_metrics(self, results: list) -> dict:
            return {"acc": sum(results) / len(results)}

    scores, labels = _data()
    evaluator = Evaluator(
        [Correct(), dict(type=MulticlassAccuracy, num_classes=NUM_CLASSES, average="micro")]
    )
    evaluator.process((scores, labels))
    results = evaluator.evaluate(7)
    assert results["mine/acc"] == pytest.approx(results["MulticlassAccuracy"])


# ---------------------------------------------------------------- two gloo processes

WORLD_SIZE = 2
DATASET_SIZE = 7


def _shard(rank: int) -> list[int]:
    """Indices of a non-shuffled round-up sampler: 7 samples padded to 8, round-robin."""
    indices = list(range(DATASET_SIZE))
    total = -(-DATASET_SIZE // WORLD_SIZE) * WORLD_SIZE
    indices += indices[: total - DATASET_SIZE]
    return indices[rank:total:WORLD_SIZE]


def _evaluator() -> Evaluator:
    class Correct(BaseMetric):
        default_prefix = "base"

        def process(self, data_batch: Any, data_samples: Any) -> None:
            self.results.extend(
                int(s["pred_score"].argmax()) == int(s["gt_label"]) for s in data_samples
            )

        def compute_metrics(self, results: list) -> dict:
            return {"acc": sum(results) / len(results), "n": len(results)}

    return Evaluator(
        [
            dict(
                type="torchmetrics.classification.MulticlassAccuracy",
                num_classes=NUM_CLASSES,
                average="micro",
                name="micro",
            ),
            dict(type=MulticlassAccuracy, num_classes=NUM_CLASSES, prefix="macro"),
            torchmetrics.MetricCollection({"recall": MulticlassRecall(num_classes=NUM_CLASSES)}),
            Correct(),
            Correct(collect_device="gpu", prefix="base_gpu"),
        ]
    )


def _run_shards(shards: list[list[int]], batch_size: int) -> dict:
    scores, labels = _data(DATASET_SIZE)
    evaluator = _evaluator()
    for shard in shards:
        for start in range(0, len(shard), batch_size):
            batch = shard[start : start + batch_size]
            evaluator.process([{"pred_score": scores[i], "gt_label": labels[i]} for i in batch])
    return evaluator.evaluate(DATASET_SIZE)


def gloo_worker(rank: int, world_size: int, workdir: Path) -> dict[str, Any]:
    return {f"batch{bs}": _run_shards([_shard(rank)], bs) for bs in (2, 3)}


def _load_harness() -> Any:
    path = Path(__file__).resolve().parents[1] / "dist" / "gloo_harness.py"
    spec = importlib.util.spec_from_file_location("mmlight_tests_gloo_harness", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_gloo_ranks_match_one_process(tmp_path: Path) -> None:
    single = _run_shards([list(range(DATASET_SIZE))], DATASET_SIZE)
    scores, labels = _data(DATASET_SIZE)
    assert single["micro"] == pytest.approx(_expected_accuracy(scores, labels, average="micro"))
    assert single["base/n"] == DATASET_SIZE

    results = _load_harness().run_on_gloo(__file__, "gloo_worker", tmp_path)
    for rank_results in results:
        # batch 3: rank 1's padding is a batch of its own; batch 2: it shares a batch.
        for key in ("batch2", "batch3"):
            got = rank_results[key]
            assert set(got) == set(single)
            for name, value in single.items():
                assert got[name] == pytest.approx(value), (key, name)
