"""Evaluator errors and warnings keep mmengine's wording (its tests and downstream ones match)."""

from __future__ import annotations

from typing import Any

import pytest

from mmlight.evaluator import BaseMetric, DumpResults, Evaluator


class _Count(BaseMetric):
    default_prefix = "count"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(n=len(results))


def test_dump_results_needs_a_pickle_path() -> None:
    with pytest.raises(ValueError, match=r"The output file must be a pkl file\."):
        DumpResults(out_file_path="./results.json")


def test_offline_evaluate_length_mismatch() -> None:
    with pytest.raises(ValueError, match="data_samples and data should have the same length"):
        Evaluator(_Count()).offline_evaluate([1, 2], [1])


def test_empty_results_and_missing_prefix_warn_in_the_run_log(mm_log: Any) -> None:
    class Bare(_Count):
        default_prefix = None

    Evaluator(Bare())
    assert "The prefix is not set in metric class Bare" in mm_log.text
    Evaluator(_Count()).evaluate(0)
    assert "_Count got empty `self.results`" in mm_log.text
