"""Exact resume under FSDP (CPU, gloo, 2 processes): killed mid-run, resumed, bit-identical.

The checkpoint holds the full optimizer state gathered from the shards, keyed as a non-FSDP
run keys it; resume loads it into the optimizer over the plain model and MMFSDPStrategy
shards it again when it wraps the model. The resumed job must end with the uninterrupted
job's losses, weights and momentum buffers, bit for bit. This file runs the default
``use_orig_params=True``; test_fsdp_resume_flat.py the flat-parameter rebuild (``False``).
Three launches per file (CI has 2 cores): uninterrupted, killed, resumed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import torch

from tests.runner.test_ddp import TIMEOUT, TORCHRUN, _env

SCRIPT = Path(__file__).with_name("fsdp_resume_script.py")
KILL_AT = 6  # after a validation (every 4), one batch into the second data pass


def _run(work: Path, use_orig_params: bool, kill_at: int, resume: bool,
         out: Path) -> subprocess.CompletedProcess:
    args = [str(work), "1" if use_orig_params else "0", str(kill_at), "1" if resume else "0",
            str(out)]
    return subprocess.run([*TORCHRUN, str(SCRIPT), *args], cwd=work.parent, env=_env(),
                          capture_output=True, text=True, timeout=TIMEOUT)


def _results(out: Path) -> list[dict[str, Any]]:
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(2)]


def _dropout_net() -> torch.nn.Module:
    import sys

    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from resume_script import DropoutNet
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return DropoutNet()


def check_killed_and_resumed(tmp_path: Path, use_orig_params: bool) -> None:
    straight = _run(tmp_path / "straight", use_orig_params, 0, False, tmp_path / "expected")
    assert straight.returncode == 0, straight.stderr[-5000:]
    work = tmp_path / "work"
    killed = _run(work, use_orig_params, KILL_AT, False, tmp_path / "never")
    assert killed.returncode != 0, "the SIGKILL hook did not stop the job"
    assert not (tmp_path / "never").exists()
    assert not (work / f"iter_{KILL_AT + 1}.pth").exists()
    saved = work / f"iter_{KILL_AT}.pth"
    # Kept aside before the resumed job writes on: the single-process checks read it.
    shutil.copy(saved, tmp_path / "saved.pth")
    resumed_proc = _run(work, use_orig_params, 0, True, tmp_path / "resumed")
    assert resumed_proc.returncode == 0, resumed_proc.stderr[-5000:]
    assert "optimizer state" not in resumed_proc.stdout + killed.stdout  # the old warning

    expected, resumed = _results(tmp_path / "expected"), _results(tmp_path / "resumed")
    assert expected[0]["losses"] != expected[1]["losses"]  # own masks, own batches
    for rank in range(2):
        assert resumed[rank]["losses"] == [
            item for item in expected[rank]["losses"] if item[0] > KILL_AT
        ], f"rank {rank}"
        weights, optimizer = expected[rank]["state_dict"], expected[rank]["optimizer"]
        assert list(resumed[rank]["state_dict"]) == list(weights)
        for key, value in weights.items():
            assert torch.equal(resumed[rank]["state_dict"][key], value), (rank, key)
        assert list(resumed[rank]["optimizer"]["state"]) == list(optimizer["state"])
        for index, state in optimizer["state"].items():
            assert torch.equal(resumed[rank]["optimizer"]["state"][index]["momentum_buffer"],
                               state["momentum_buffer"]), (rank, index)
    check_single_process_reads(tmp_path / "saved.pth", tmp_path / "single")


def check_single_process_reads(path: Path, work_dir: Path) -> None:
    """The FSDP checkpoint is an ordinary one: plain torch, mmlight's loader and a
    single-process resume read its weights and full optimizer state."""
    from mmlight.runner import load_checkpoint

    checkpoint = torch.load(path, weights_only=True)
    net = _dropout_net()
    assert list(checkpoint["state_dict"]) == list(net.state_dict())
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    optimizer.load_state_dict(checkpoint["optimizer"])  # positions 0..3, full shapes
    for param in net.parameters():
        assert optimizer.state[param]["momentum_buffer"].shape == param.shape
    load_checkpoint(net, str(path), strict=True)

    import sys

    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from resume_script import make_runner
    finally:
        sys.path.remove(str(SCRIPT.parent))
    runner, _ = make_runner(str(work_dir), "iter", 0, True, batch_size=4, load_from=str(path))
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.param_schedulers = runner.build_param_scheduler(runner.param_schedulers)
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    runner.resume(str(path))
    assert runner.iter == KILL_AT
    state = runner.optim_wrapper.optimizer.state
    for param, (index, saved) in zip(runner.model.parameters(),
                                     checkpoint["optimizer"]["state"].items()):
        assert torch.equal(state[param]["momentum_buffer"], saved["momentum_buffer"]), index


def test_fsdp_killed_and_resumed_run_equals_uninterrupted(tmp_path: Path) -> None:
    check_killed_and_resumed(tmp_path, use_orig_params=True)


def test_fsdp_checkpoint_layout_matches_non_fsdp() -> None:
    """The re-keying both ways, without processes: names <-> positions."""
    from mmlight.lightning.fsdp_optim_state import _positional, named_optim_state

    net = _dropout_net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(list(torch.randn(3, 4)), [0, 1, 2], mode="loss")["loss"].backward()
    optimizer.step()
    plain = optimizer.state_dict()
    names = [[name for name, _ in net.named_parameters()]]
    named = named_optim_state(plain, names)
    assert list(named["state"]) == names[0]
    assert named["param_groups"][0]["params"] == names[0]
    # FSDP may report a group's names in another order (flat parameters): positions follow
    # the plain model's optimizer all the same.
    shuffled = {**named, "param_groups": [
        {**named["param_groups"][0], "params": list(reversed(names[0]))}]}
    back = _positional(shuffled, names)
    assert back["param_groups"] == plain["param_groups"]
    assert back["state"].keys() == plain["state"].keys()
    for index, state in plain["state"].items():
        assert back["state"][index]["momentum_buffer"] is state["momentum_buffer"]
    # Not recorded: numbered in the order FSDP reports.
    assert _positional(named, [])["param_groups"][0]["params"] == [0, 1, 2, 3]
