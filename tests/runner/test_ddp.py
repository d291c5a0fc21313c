"""Two CPU processes on gloo give the same training as one process over the same batches.

Rank r of 2 with ``DefaultSampler(shuffle=False)`` and batch 4 sees samples r, r+2, r+4, r+6
of each block of 8, so the two ranks together see the single process's batch of 8; the loss
is a mean, so DDP's averaged gradient equals the single process's gradient. The single-process
reference is plain torch over batches of 8 (the Runner's single-process path is compared with
mmengine's in tests/parity), which keeps these tests to the two-process runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

SCRIPT = Path(__file__).with_name("ddp_script.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                 "MASTER_PORT", "GROUP_RANK", "TORCHELASTIC_RUN_ID", "MMLIGHT_LOCAL_LAUNCH"):
        env.pop(name, None)
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    return env


def _run(prefix: list[str], args: list[str], cwd: Path) -> None:
    proc = subprocess.run([*prefix, str(SCRIPT), *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]


def _results(out: Path, world_size: int) -> list[dict[str, Any]]:
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(world_size)]


TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def _line_data(size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The data of ddp_script.DDPLineDataset."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(size, 4, generator=generator)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(size, generator=generator)
    return x, y


# Evaluation sets of ddp_script: stage -> (size, seed).
EVAL_DATA = {"val": (13, 1), "test": (11, 2)}


def _initial_model() -> torch.nn.Linear:
    model = torch.nn.Linear(4, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.1, 0.2, -0.3, 0.4]]))
        model.bias.fill_(0.05)
    return model


def _plain_mae(model: torch.nn.Module, stage: str) -> float:
    x, y = _line_data(*EVAL_DATA[stage])
    with torch.no_grad():
        return float((model(x).squeeze(1) - y).abs().mean())


def _single(accumulate: int) -> dict[str, Any]:
    """One process, plain torch: batches of 8 in order, MMEngine's accumulation arithmetic.

    ``eval`` holds the trained model's MAE on the val and test sets; ``untrained_eval`` the
    initial model's (what ``runner.val()``/``test()`` without training must report)."""
    model = _initial_model()
    untrained = {stage: _plain_mae(model, stage) for stage in EVAL_DATA}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = _line_data(32, 0)
    val_x, val_y = _line_data(13, 1)
    metrics, iteration, max_iters = [], 0, 2 * 4
    for _ in range(2):
        for start in range(0, 32, 8):
            pred = model(x[start : start + 8]).squeeze(1)
            loss = torch.nn.functional.mse_loss(pred, y[start : start + 8]) / accumulate
            loss.backward()
            iteration += 1
            if iteration % accumulate == 0 or iteration == max_iters:
                optimizer.step()
                optimizer.zero_grad()
        with torch.no_grad():
            mae = (model(val_x).squeeze(1) - val_y).abs().mean().item()
        metrics.append(dict(mae=mae))
    state = {"linear." + key: value.detach() for key, value in model.state_dict().items()}
    return dict(state_dict=state, metrics=metrics, untrained_eval=untrained,
                eval={stage: _plain_mae(model, stage) for stage in EVAL_DATA})


@pytest.fixture(scope="module")
def single_run() -> dict[str, Any]:
    return _single(1)


@pytest.fixture(scope="module")
def single_run_accumulated() -> dict[str, Any]:
    return _single(2)


def _assert_same_weights(ranks: list[dict[str, Any]], single: dict[str, Any]) -> None:
    for result in ranks:
        for key, value in single["state_dict"].items():
            torch.testing.assert_close(result["state_dict"][key], value, atol=1e-6, rtol=0)


def _assert_eval_gathered_exactly(ranks: list[dict[str, Any]], single: dict[str, Any]) -> None:
    assert len(single["metrics"]) == 2  # validated after each of the 2 epochs
    for result in ranks:
        assert len(result["metrics"]) == 2
        for got, expected in zip(result["metrics"], single["metrics"]):
            # 13 samples, 2 ranks x batch 4: padding would add a duplicate; it must not count.
            assert got["count"] == 13
            assert got["indices"] == list(range(13))
            assert got["mae"] == pytest.approx(expected["mae"], abs=1e-6)


def assert_stages_gathered_exactly(
    ranks: list[dict[str, Any]], stages: list[str], expected_mae: dict[str, float]
) -> None:
    """``runner.val()``/``test()`` after other stages in one process: each metric saw every
    sample of its set exactly once, both ranks report the same, equal to one process."""
    assert ranks[0]["stage_metrics"] == ranks[1]["stage_metrics"]
    assert [stage for stage, _ in ranks[0]["stage_metrics"]] == stages
    for stage, metrics in ranks[0]["stage_metrics"]:
        size = EVAL_DATA[stage][0]
        assert metrics["count"] == size, (stage, metrics)
        assert metrics["indices"] == list(range(size)), (stage, metrics)
        assert metrics["mae"] == pytest.approx(expected_mae[stage], abs=1e-5), stage


def _assert_rank0_writes(wd: Path, ranks: list[dict[str, Any]]) -> None:
    files = ranks[0]["files"]
    assert files == ranks[1]["files"]
    logs = [name for name in files if name.endswith(".log")]
    assert len(logs) == 1, f"one log directory and one log file expected, got {files}"
    text = (wd / logs[0]).read_text()
    assert text.count("Epoch(train) [1]") == 1, "a rank other than 0 wrote to the log file"


def test_torchrun_matches_single_process(tmp_path: Path, single_run: dict[str, Any]) -> None:
    # train -> val -> test in one process: each stage gets a Trainer of its own (a Lightning
    # strategy cannot serve two), over the one process group.
    _run(TORCHRUN, ["pytorch", str(tmp_path / "wd"), str(tmp_path / "out"), "4",
                    "--stages", "train,val,test"], tmp_path)
    ranks = _results(tmp_path / "out", 2)
    assert [r["rank"] for r in ranks] == [0, 1]
    assert all(r["world_size"] == 2 and r["launcher"] == "pytorch" for r in ranks)
    assert ranks[0]["seed"] == ranks[1]["seed"] == 7
    _assert_same_weights(ranks, single_run)
    _assert_eval_gathered_exactly(ranks, single_run)
    assert_stages_gathered_exactly(ranks, ["val", "test"], single_run["eval"])
    _assert_rank0_writes(tmp_path / "wd", ranks)


def test_val_then_test_without_training(tmp_path: Path, single_run: dict[str, Any]) -> None:
    _run(TORCHRUN, ["pytorch", str(tmp_path / "wd"), str(tmp_path / "out"), "4",
                    "--stages", "val,test"], tmp_path)
    ranks = _results(tmp_path / "out", 2)
    assert_stages_gathered_exactly(ranks, ["val", "test"], single_run["untrained_eval"])


def test_one_process_launch_matches_single_process(
    tmp_path: Path, single_run: dict[str, Any]
) -> None:
    _run([sys.executable], ["local", str(tmp_path / "wd"), str(tmp_path / "out"), "4"], tmp_path)
    ranks = _results(tmp_path / "out", 2)
    assert [r["rank"] for r in ranks] == [0, 1]
    assert all(r["launcher"] == "pytorch" for r in ranks)
    assert len(set(ranks[0]["pids"])) == 2  # two real processes
    _assert_same_weights(ranks, single_run)
    _assert_eval_gathered_exactly(ranks, single_run)
    _assert_rank0_writes(tmp_path / "wd", ranks)


def test_accumulation_under_ddp_matches_single_process_and_skips_sync(
    tmp_path: Path, single_run_accumulated: dict[str, Any]
) -> None:
    # diff_rank_seed=1: each rank's seed gains its rank; the samplers share one synced seed.
    _run(TORCHRUN, ["pytorch", str(tmp_path / "wd"), str(tmp_path / "out"), "4", "2", "1"],
         tmp_path)
    ranks = _results(tmp_path / "out", 2)
    _assert_same_weights(ranks, single_run_accumulated)
    # After the first (non-updating) iteration each rank holds only its own gradient: the
    # backward ran without DDP's all-reduce. After the second the step cleared them.
    first = [r["grads"][0] for r in ranks]
    assert first[0] is not None and first[1] is not None
    assert not torch.allclose(first[0], first[1])
    assert all(r["grads"][1] is None for r in ranks)
    assert [r["seed"] for r in ranks] == [7, 8]
    assert ranks[0]["sampler_seed"] == ranks[1]["sampler_seed"]
    assert ranks[0]["torch_seed_draw"] != ranks[1]["torch_seed_draw"]


def test_cli_fit_with_two_cpu_devices(tmp_path: Path, single_run: dict[str, Any]) -> None:
    pytest.importorskip("mmlight.cli", reason="mmlight.cli is written in parallel")
    config = tmp_path / "ddp_cfg.py"
    config.write_text(
        "custom_imports = dict(imports=['ddp_script'])  # registers the toy classes\n"
        f"work_dir = {str(tmp_path / 'wd')!r}\n"
        "model = dict(type='DDPLineModel')\n"
        "_loader = dict(batch_size=4, sampler=dict(type='DefaultSampler', shuffle=False),\n"
        "               collate_fn=dict(type='pseudo_collate'))\n"
        "train_dataloader = dict(_loader, dataset=dict(type='DDPLineDataset', size=32))\n"
        "val_dataloader = dict(_loader, dataset=dict(type='DDPLineDataset', size=13, seed=1))\n"
        "val_evaluator = dict(type='DDPIndexMetric')\n"
        "val_cfg = dict()\n"
        "train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)\n"
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05))\n"
        "randomness = dict(seed=7)\n"
    )
    env = _env()
    env["PYTHONPATH"] = os.pathsep.join([str(SCRIPT.parent), env["PYTHONPATH"]])
    proc = subprocess.run(
        [sys.executable, "-m", "mmlight.cli", "fit", "--config", str(config),
         "--trainer.devices", "2", "--trainer.accelerator", "cpu", "--trainer.strategy", "ddp"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    output = proc.stdout + proc.stderr
    assert "count: 13" in output
    # 13 validation samples over 2 ranks of batch 4: two iterations per rank, not four.
    assert "Epoch(val) [1][2/2]" in output, output[-3000:]
