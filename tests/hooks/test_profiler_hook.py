"""ProfilerHook: argument errors, and real torch.profiler traces from a real Runner run."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight.hooks import ProfilerHook
from mmlight.model import BaseModel
from mmlight.registry import HOOKS
from mmlight.runner import Runner


class _Toy(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        logits = self.linear(torch.stack(inputs))
        return dict(loss=F.cross_entropy(logits, torch.tensor(data_samples)))


def _data(n: int = 12) -> list[dict]:
    generator = torch.Generator().manual_seed(0)
    return [dict(inputs=torch.randn(4, generator=generator), data_samples=i % 2) for i in range(n)]


def _train(tmp_path: Any, hook: Any, train_cfg: dict) -> Runner:
    runner = Runner(
        model=_Toy(),
        work_dir=str(tmp_path / "work"),
        train_dataloader=dict(
            dataset=_data(), sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4
        ),
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=[hook],
    )
    runner.train()
    return runner


# ------------------------------------------------------------------------------ arguments


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(profile_times=0), ValueError, r"profile_times must be greater than 0, got 0"),
        (dict(profile_times=2), ValueError, r"with by_epoch=True, profile_times must be 1"),
        (dict(by_epoch="yes"), TypeError, r"by_epoch must be a bool, got str: 'yes'"),
        (dict(activity_with_cuda=1), TypeError, r"activity_with_cuda must be a bool, got int"),
        (dict(schedule=[1, 2]), TypeError, r"schedule must be a dict of torch.profiler.schedule"),
        (
            dict(on_trace_ready="log_trace"),
            ValueError,
            r"on_trace_ready must be a callable, a dict",
        ),
        (dict(by_epoch=False, profile_times=1.5), TypeError, r"profile_times must be an int"),
    ],
)
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        ProfilerHook(**kwargs)


def test_positional_arguments_are_refused_as_in_mmengine() -> None:
    with pytest.raises(TypeError):
        ProfilerHook(True)  # type: ignore[misc]


def test_registered_with_very_low_priority() -> None:
    hook = HOOKS.build(dict(type="ProfilerHook", by_epoch=False, profile_times=3))
    assert isinstance(hook, ProfilerHook)
    assert hook.priority == "VERY_LOW"
    assert [a.name for a in hook.activities] == ["CPU"]


def test_profile_times_longer_than_the_run(tmp_path: Any) -> None:
    hook = ProfilerHook(by_epoch=False, profile_times=10)
    with pytest.raises(
        ValueError,
        match=r"profile_times \(10\) should not be greater than the "
        r"run's max_iters \(6\)",
    ):
        _train(tmp_path, hook, dict(by_epoch=False, max_iters=6))


def test_unknown_trace_type(tmp_path: Any) -> None:
    hook = ProfilerHook(on_trace_ready=dict(type="csv_trace"))
    with pytest.raises(ValueError, match=r"must be one of \['log_trace', 'tb_trace'\], got 'csv"):
        _train(tmp_path, hook, dict(max_epochs=1))


@pytest.mark.skipif(
    importlib.util.find_spec("torch_tb_profiler") is not None,
    reason="torch-tb-profiler is installed",
)
def test_tensorboard_trace_needs_the_optional_package(tmp_path: Any) -> None:
    hook = ProfilerHook(on_trace_ready=dict(type="tb_trace"))
    with pytest.raises(ImportError, match=r"pip install torch-tb-profiler"):
        _train(tmp_path, hook, dict(max_epochs=1))


# ------------------------------------------------------------------------------ real traces


def test_iteration_profile_exports_a_chrome_trace(tmp_path: Any) -> None:
    ready: list[Any] = []
    trace = tmp_path / "trace.json"
    hook = ProfilerHook(
        by_epoch=False,
        profile_times=2,
        on_trace_ready=ready.append,
        json_trace_path=str(trace),
        record_shapes=True,
    )
    _train(tmp_path, hook, dict(by_epoch=False, max_iters=5))
    assert hook._closed
    assert len(ready) == 1  # the handler saw the finished profile once
    names = [event.get("name", "") for event in json.loads(trace.read_text())["traceEvents"]]
    assert any("addmm" in name or "linear" in name for name in names)
    # Only the first two of the five iterations were recorded.
    assert names.count("Optimizer.step#SGD.step") == 2


def test_epoch_profile_prints_a_table(tmp_path: Any, capsys: pytest.CaptureFixture) -> None:
    hook = ProfilerHook(
        on_trace_ready=dict(type="log_trace", sort_by="cpu_time_total", row_limit=5)
    )
    _train(tmp_path, hook, dict(max_epochs=2))
    out = capsys.readouterr().out
    assert "Self CPU time total" in out
    assert "Name" in out
    assert hook._closed


def test_after_run_stops_a_profiler_that_is_still_running(tmp_path: Any) -> None:
    trace = tmp_path / "trace.json"
    hook = ProfilerHook(by_epoch=False, profile_times=1, json_trace_path=str(trace))
    runner = _train(tmp_path, hook, dict(by_epoch=False, max_iters=3))
    first_trace = trace.read_text()
    hook.before_run(runner)  # as a later val()/test() run would
    assert not hook._closed
    hook.after_run(runner)
    assert hook._closed
    assert trace.read_text() == first_trace  # the training trace is not overwritten
