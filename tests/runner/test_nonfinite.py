"""Training stops at the first non-finite loss, before any hook could checkpoint the broken
state; ``nonfinite_loss='warn'`` keeps MMEngine's log-and-continue (issue 12, item 6)."""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight.config import Config
from mmlight.evaluator import BaseMetric, Evaluator
from mmlight.model import BaseModel
from mmlight.optim import AmpOptimWrapper
from mmlight.runner import Runner
from mmlight.runner.config_checks import InvalidValueError
from mmlight.runner.nonfinite import NonFiniteLossError, NonFiniteLossGuard, nonfinite_losses

NAN, INF = float("nan"), float("inf")


# ---------------------------------------------------------------- nonfinite_losses
def test_only_loss_keys_that_are_not_finite() -> None:
    log_vars = dict(
        loss=torch.tensor(NAN), loss_cls=torch.tensor(0.5), loss_bbox=torch.tensor(-INF),
        acc=torch.tensor(NAN), top1=NAN,  # not losses: never checked
    )
    bad = nonfinite_losses(log_vars)
    assert list(bad) == ["loss", "loss_bbox"]
    assert math.isnan(bad["loss"]) and bad["loss_bbox"] == -INF


def test_numbers_many_element_tensors_and_ignored_types() -> None:
    log_vars = dict(
        loss_a=INF, loss_b=1.0, loss_c=torch.tensor([1.0, NAN, 2.0]),
        loss_d=torch.tensor([1.0, 2.0]), loss_n=torch.tensor(3), loss_s="nan",
    )
    bad = nonfinite_losses(log_vars)
    assert list(bad) == ["loss_a", "loss_c"]
    assert math.isnan(bad["loss_c"])  # the mean, as the log line would show it


def test_finite_losses_whose_sum_overflows_are_not_reported() -> None:
    big = torch.tensor([3e38, 3e38])  # finite, but their float32 sum is inf
    assert nonfinite_losses(dict(loss_a=big, loss_b=torch.tensor([3e38]))) == {}
    assert nonfinite_losses(dict(loss_a=big, loss_b=torch.tensor([NAN]))).keys() == {"loss_b"}


def test_half_precision_losses() -> None:
    assert list(nonfinite_losses(dict(loss=torch.tensor(INF, dtype=torch.float16)))) == ["loss"]
    assert nonfinite_losses(dict(loss=torch.tensor(1.0, dtype=torch.bfloat16))) == {}


# ---------------------------------------------------------------- NonFiniteLossGuard
def test_error_mode_raises_naming_position_and_keys() -> None:
    guard = NonFiniteLossGuard("error")
    with pytest.raises(
        NonFiniteLossError,
        match=r"^non-finite loss at epoch 3, iteration 7: loss=nan, loss_cls=inf\. Training "
        r"stopped before any after_train_iter hook ran, so no checkpoint of this state was "
        r"written\..*set nonfinite_loss='warn' in the config to log and continue as MMEngine "
        r"does$",
    ):
        guard.check(dict(loss=torch.tensor(NAN), loss_cls=torch.tensor(INF),
                         loss_ok=torch.tensor(1.0)), "epoch 3, iteration 7")
    assert issubclass(NonFiniteLossError, FloatingPointError)  # a failure while running: exit 1


def test_position_is_only_computed_on_failure() -> None:
    guard = NonFiniteLossGuard("error")

    def where() -> str:
        raise AssertionError("computed for a finite loss")

    guard.check(dict(loss=torch.tensor(0.3)), where)
    guard.check(None, where)  # a train_step returning no dict: nothing to check


class _Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def warning(self, line: str) -> None:
        self.lines.append(line)


def test_warn_mode_logs_occurrences_1_2_4_8_and_continues() -> None:
    log = _Log()
    guard = NonFiniteLossGuard("warn", log)
    for step in range(1, 10):
        guard.check(dict(loss=torch.tensor(NAN)), f"iteration {step}")
    assert guard.count == 9
    assert [line.split(":")[0] for line in log.lines] == [
        "non-finite loss at iteration 1", "non-finite loss at iteration 2",
        "non-finite loss at iteration 4", "non-finite loss at iteration 8",
    ]
    assert "(occurrence 4; continuing because nonfinite_loss='warn')" in log.lines[2]


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(InvalidValueError, match=r"nonfinite_loss must be 'error' or 'warn'"):
        NonFiniteLossGuard("skip")


def test_a_skipped_amp_step_with_a_finite_loss_does_not_stop_training() -> None:
    """A dynamic loss scale that overflows the gradients skips the step and lowers the scale;
    the loss itself is finite, so the guard lets training go on."""

    class Big(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            return dict(loss=(self.w * 1e20).sum())

    model = Big()
    wrapper = AmpOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                              dtype="bfloat16")
    # CPU AMP has no scaler of its own; give it the dynamic one CUDA float16 uses.
    wrapper.loss_scaler = torch.amp.GradScaler("cpu", init_scale=2.0**100)
    log_vars = model.train_step(dict(inputs=[torch.zeros(1)]), optim_wrapper=wrapper)
    assert wrapper.loss_scaler.get_scale() < 2.0**100  # the overflow was found: step skipped
    assert torch.equal(model.w.detach(), torch.ones(1))  # and the weight left alone
    assert math.isfinite(log_vars["loss"].item())
    NonFiniteLossGuard("error").check(log_vars, "iteration 1")  # does not raise


RANK_SCRIPT = """
import sys
from pathlib import Path

import torch
import torch.distributed as dist

from mmlight.runner.nonfinite import NonFiniteLossError, NonFiniteLossGuard

rank, store, out = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
guard = NonFiniteLossGuard("error")
guard.check(dict(loss=torch.tensor(0.5)), "iteration 1")  # finite everywhere: all go on
try:
    guard.check(dict(loss=torch.tensor(float("nan") if rank == 1 else 0.5)), "iteration 2")
    out.write_text("went on")
except NonFiniteLossError as error:
    out.write_text(str(error))
dist.destroy_process_group()
"""


def test_every_process_stops_when_one_sees_a_nan(tmp_path: Path) -> None:
    """Averaged gradients carry rank 1's NaN into rank 0's weights: rank 0 (the one whose
    CheckpointHook writes) must stop at the same iteration. Two real gloo processes."""
    import os
    import subprocess
    import sys

    script = tmp_path / "rank.py"
    script.write_text(RANK_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    procs = [
        subprocess.Popen([sys.executable, str(script), str(rank), str(tmp_path / "store"),
                          str(tmp_path / f"rank{rank}.txt")], env=env)
        for rank in (0, 1)
    ]
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    assert (tmp_path / "rank1.txt").read_text().startswith(
        "non-finite loss at iteration 2: loss=nan. Training stopped")
    assert (tmp_path / "rank0.txt").read_text().startswith(
        "non-finite loss at iteration 2: on another process (this one's losses are finite). "
        "Training stopped")


# ---------------------------------------------------------------- through the Runner
class Drifting(BaseModel):
    """Two losses; ``loss_bbox`` becomes NaN from train step ``nan_from`` on (1-based)."""

    def __init__(self, nan_from: int | None = None, nan_key: str = "loss_bbox") -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.nan_from, self.nan_key, self.steps = nan_from, nan_key, 0

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.linear(torch.stack(inputs)).squeeze(1)
        if mode != "loss":
            return [dict(pred=float(p)) for p in out]
        self.steps += 1
        mse = F.mse_loss(out, torch.tensor(data_samples))
        losses = dict(loss_cls=mse, loss_bbox=mse * 0.5, acc=mse.detach() * 0)
        if self.nan_from is not None and self.steps >= self.nan_from:
            losses[self.nan_key] = losses[self.nan_key] * NAN
        return losses


class Score(BaseMetric):
    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(s["pred"] for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(score=-sum(abs(r) for r in results))


def _loader(sampler: str) -> dict:
    data = [dict(inputs=torch.tensor([float(i) / 8, 1.0]), data_samples=float(i) / 8)
            for i in range(8)]
    return dict(dataset=data, sampler=dict(type=sampler, shuffle=False), batch_size=4)


def _runner(work_dir: Path, model: Drifting, by_epoch: bool, mode: str | None = None) -> Runner:
    train_cfg = (dict(by_epoch=True, max_epochs=3) if by_epoch
                 else dict(by_epoch=False, max_iters=6, val_interval=1))
    return Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=_loader("DefaultSampler" if by_epoch else "InfiniteSampler"),
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        val_dataloader=_loader("DefaultSampler"),
        val_cfg=dict(),
        val_evaluator=Evaluator(Score()),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=1), checkpoint=dict(
            type="CheckpointHook", interval=1, by_epoch=by_epoch, save_best="score",
            rule="greater")),
        randomness=dict(seed=0),
        experiment_name=f"nonfinite_{uuid.uuid4().hex}",
        cfg=Config(dict(nonfinite_loss=mode)) if mode else None,
    )


def _checkpoints(work_dir: Path) -> list[str]:
    return sorted(path.name for path in work_dir.glob("*.pth"))


def test_iteration_based_run_stops_at_the_nan_and_saves_nothing_of_it(tmp_path: Path) -> None:
    runner = _runner(tmp_path, Drifting(nan_from=4), by_epoch=False)
    with pytest.raises(
        NonFiniteLossError,
        match=r"^non-finite loss at iteration 4 of 6 \(Iter\(train\) \[4/6\] as the log counts\): "
        r"loss=nan, loss_bbox=nan\. Training stopped",
    ) as info:
        runner.train()
    assert getattr(info.value, "__notes__", []) == []  # the message says where: no second note
    assert runner.iter == 3  # the NaN iteration was not counted
    names = _checkpoints(tmp_path)
    assert "iter_3.pth" in names and "iter_4.pth" not in names
    best = [name for name in names if name.startswith("best_")]
    assert len(best) == 1 and int(best[0].rsplit("_", 1)[1][:-4]) <= 3
    assert (tmp_path / "last_checkpoint").read_text().strip().endswith("iter_3.pth")
    for name in names:  # every checkpoint written holds finite weights
        state = torch.load(tmp_path / name, map_location="cpu", weights_only=False)["state_dict"]
        assert all(torch.isfinite(v).all() for v in state.values()), name


def test_epoch_based_run_names_epoch_and_iteration(tmp_path: Path) -> None:
    runner = _runner(tmp_path, Drifting(nan_from=4, nan_key="loss_cls"), by_epoch=True)
    with pytest.raises(
        NonFiniteLossError,
        match=r"^non-finite loss at epoch 2, iteration 2 of the epoch \(iteration 4 overall; "
        r"Epoch\(train\) \[2\]\[2/2\] as the log counts\): loss=nan, loss_cls=nan\.",
    ):
        runner.train()
    assert _checkpoints(tmp_path) == ["best_score_epoch_1.pth", "epoch_1.pth"]


def test_warn_mode_trains_to_the_end_like_mmengine(tmp_path: Path) -> None:
    runner = _runner(tmp_path, Drifting(nan_from=4), by_epoch=False, mode="warn")
    runner.train()
    assert runner.iter == 6
    assert "iter_6.pth" in _checkpoints(tmp_path)
    log = (Path(runner.log_dir) / f"{runner.timestamp}.log").read_text()
    assert "non-finite loss at iteration 4 of 6 (Iter(train) [4/6] as the log counts): loss=nan, " \
        "loss_bbox=nan (occurrence 1; continuing because nonfinite_loss='warn')" in log


def test_a_nan_that_is_not_a_loss_does_not_stop_the_run(tmp_path: Path) -> None:
    runner = _runner(tmp_path, Drifting(nan_from=2, nan_key="acc"), by_epoch=False)
    runner.train()
    assert runner.iter == 6
    assert "iter_6.pth" in _checkpoints(tmp_path)


def test_amp_optim_wrapper_run_is_not_stopped(tmp_path: Path) -> None:
    runner = _runner(tmp_path, Drifting(), by_epoch=False)
    runner.optim_wrapper = dict(type="AmpOptimWrapper", dtype="bfloat16",
                                optimizer=dict(type="SGD", lr=0.01))
    runner.train()
    assert type(runner.optim_wrapper).__name__ == "AmpOptimWrapper"
    assert runner.iter == 6
