"""failures_located: the note a failing fetch or metric gets, its type kept.

The runner here is a stand-in without loops (as for ``mmlight predict``); the CLI tests
(tests/cli/test_errors_table.py, tests/cli/test_failure_notes.py) run real stages.
Before: errors passed through with no note at all.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from torch.utils.data import DataLoader, Dataset

from mmlight.cli.errors import exit_code_for
from mmlight.config.errors import ConfigKeyError
from mmlight.evaluator import BaseMetric, Evaluator
from mmlight.runner.failure_context import failures_located, locate_failure
from mmlight.utils.error_notes import run_failure_site


class _Corrupt(Dataset):
    def __init__(self, bad: int = 5, error: type[Exception] = KeyError) -> None:
        self.bad, self.error = bad, error

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> int:
        if index == self.bad:
            raise self.error(f"sample {index} is corrupt")
        return index


class _Batched(_Corrupt):
    def __getitems__(self, indices: list[int]) -> list[int]:
        if self.bad in indices:
            raise ValueError("a batch with a corrupt sample")
        return list(indices)


def _runner(**loops: Any) -> Any:
    return SimpleNamespace(_train_loop=None, _val_loop=None, _test_loop=None, **loops)


def _consume(loader: DataLoader, stage: str = "test") -> None:
    with failures_located(_runner(), stage):
        for _ in loader:
            pass


def test_fetch_failure_names_dataset_sample_and_iteration() -> None:
    loader = DataLoader(_Corrupt(bad=5), batch_size=2, shuffle=False)
    with pytest.raises(KeyError, match="sample 5 is corrupt") as info:  # the type is kept
        _consume(loader)
    assert info.value.__notes__ == [
        "(raised by test_dataloader.dataset (_Corrupt) loading sample 5; stage test, "
        "iteration 3)"
    ]
    assert run_failure_site(info.value) == "test_dataloader.dataset"


def test_predict_reads_the_test_dataloader() -> None:
    loader = DataLoader(_Corrupt(bad=0), batch_size=4)
    with pytest.raises(KeyError) as info:
        _consume(loader, "predict")
    assert info.value.__notes__ == [
        "(raised by test_dataloader.dataset (_Corrupt) loading sample 0; stage predict, "
        "iteration 1)"
    ]


def test_shuffled_loader_reports_the_index_the_sampler_yielded() -> None:
    loader = DataLoader(_Corrupt(bad=6), batch_size=3, shuffle=True)
    with pytest.raises(KeyError) as info:
        _consume(loader)
    assert "loading sample 6;" in info.value.__notes__[0]


def test_batched_fetch_names_the_samples() -> None:
    loader = DataLoader(_Batched(bad=5), batch_size=4)
    with pytest.raises(ValueError) as info:
        _consume(loader)
    assert "(_Batched) loading samples [4, 5, 6, 7]; stage test, iteration 2)" in (
        info.value.__notes__[0]
    )


def test_worker_failure_says_what_is_known() -> None:
    loader = DataLoader(_Corrupt(bad=1), batch_size=2, num_workers=1)
    with pytest.raises(KeyError) as info:
        _consume(loader)
    note = info.value.__notes__[0]
    assert "test_dataloader.dataset (_Corrupt) in a worker process (num_workers=1)" in note
    assert "the worker raised KeyError: 'sample 1 is corrupt'" in note
    assert "the sample index is not known with workers (num_workers=0 shows it)" in note


def test_run_failure_exits_1_whatever_its_type() -> None:
    """A missing image found mid-run is a failure while running, not bad input."""
    loader = DataLoader(_Corrupt(bad=2, error=FileNotFoundError), batch_size=2)
    with pytest.raises(FileNotFoundError) as info:
        _consume(loader)
    assert exit_code_for(info.value, "run") == 1
    assert exit_code_for(FileNotFoundError("gone.pth"), "run") == 2  # unlocated: input


def test_metric_failure_gets_the_config_key_and_stage() -> None:
    class Broken(BaseMetric):
        def process(self, data_batch: Any, data_samples: Any) -> None:
            raise ZeroDivisionError("division by zero")

        def compute_metrics(self, results: list) -> dict:
            return {}

    runner = _runner(_val_evaluator=[dict(type="A"), dict(type="Broken")])
    evaluator = Evaluator([Broken(prefix="a"), Broken(prefix="b")])
    with pytest.raises(ZeroDivisionError) as info, failures_located(runner, "val"):
        evaluator.process([1])
    assert info.value.__notes__ == ["(raised by val_evaluator[0] (Broken).process; stage val)"]
    assert exit_code_for(info.value, "run") == 1


def test_one_note_however_often_located() -> None:
    error = KeyError("x")
    locate_failure(error, _runner(), "test")
    locate_failure(error, _runner(), "val")
    assert error.__notes__ == ["(stage test)"]


def test_config_errors_are_left_alone() -> None:
    error = ConfigKeyError("train_cfg.max_iters: bad")
    locate_failure(error, _runner(), "train")
    assert not getattr(error, "__notes__", None)
    assert exit_code_for(error, "run") == 2
