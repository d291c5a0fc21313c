"""Two "machines" on one: each node a process of its own, wired as torchrun and SLURM wire
separate hosts (a node rank, a rendezvous address), train to the single process's weights and
gather validation exactly. Reuses the DDP scenario of test_ddp.py."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.runner.test_ddp import (
    SCRIPT,
    TIMEOUT,
    _assert_eval_gathered_exactly,
    _assert_rank0_writes,
    _assert_same_weights,
    _env,
    _results,
    _single,
)


@pytest.fixture(scope="module")
def single_run() -> dict[str, Any]:
    return _single(1)


def _free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def _run_nodes(commands: list[list[str]], envs: list[dict[str, str]], cwd: Path) -> None:
    procs = [
        subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        for command, env in zip(commands, envs)
    ]  # fmt: skip
    outputs = []
    try:
        for proc in procs:
            outputs.append(proc.communicate(timeout=TIMEOUT)[0])
    finally:
        for proc in procs:
            proc.kill()
    for proc, output in zip(procs, outputs):
        assert proc.returncode == 0, output[-5000:]


def test_torchrun_two_nodes_one_process_each(tmp_path: Path, single_run: dict[str, Any]) -> None:
    port = _free_port()
    args = ["pytorch", str(tmp_path / "wd"), str(tmp_path / "out"), "4"]
    commands = [
        [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node", "1",
         "--node_rank", str(node), "--master_addr", "127.0.0.1", "--master_port", port,
         str(SCRIPT), *args]
        for node in (0, 1)
    ]  # fmt: skip
    _run_nodes(commands, [_env(), _env()], tmp_path)
    ranks = _results(tmp_path / "out", 2)
    assert [r["rank"] for r in ranks] == [0, 1] and {r["world_size"] for r in ranks} == {2}
    _assert_same_weights(ranks, single_run)
    _assert_eval_gathered_exactly(ranks, single_run)
    _assert_rank0_writes(tmp_path / "wd", ranks)


def test_slurm_two_nodes_from_its_variables(tmp_path: Path, single_run: dict[str, Any]) -> None:
    """What ``srun --nodes 2 --ntasks-per-node 1`` sets on each host (launcher='slurm')."""
    port = _free_port()
    envs = []
    for node in (0, 1):
        env = _env()
        env.update(
            SLURM_JOB_ID="4242", SLURM_JOB_NAME="train", SLURM_NTASKS="2", SLURM_NNODES="2",
            SLURM_NTASKS_PER_NODE="1", SLURM_PROCID=str(node), SLURM_LOCALID="0",
            SLURM_NODEID=str(node), SLURM_NODELIST="localhost", MASTER_PORT=port,
        )
        env.pop("SLURM_STEP_NODELIST", None)
        envs.append(env)
    command = [sys.executable, str(SCRIPT), "slurm", str(tmp_path / "wd"), str(tmp_path / "out"),
               "4"]  # fmt: skip
    _run_nodes([command, command], envs, tmp_path)
    ranks = _results(tmp_path / "out", 2)
    assert [r["rank"] for r in ranks] == [0, 1] and all(r["launcher"] == "slurm" for r in ranks)
    _assert_same_weights(ranks, single_run)
    _assert_eval_gathered_exactly(ranks, single_run)
    _assert_rank0_writes(tmp_path / "wd", ranks)
