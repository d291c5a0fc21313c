"""Exact resume under DDP: two gloo processes under torchrun, killed mid-run and resumed.

Every rank SIGKILLs itself from a hook right after the iteration-``K`` checkpoint (torchrun then
fails the job); a second torchrun job resumes from that checkpoint. With dropout and
``diff_rank_seed=True`` each rank draws its own masks, so the resumed job matches the
uninterrupted one only if each rank gets back its own random state and sampler position.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.runner.test_ddp import TIMEOUT, TORCHRUN, _env

SCRIPT = Path(__file__).with_name("ddp_resume_script.py")


def _run(
    work: Path, mode: str, kill_at: int, resume: bool, out: Path
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TORCHRUN, str(SCRIPT), str(work), mode, str(kill_at), "1" if resume else "0", str(out)],
        cwd=work.parent, env=_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )


def _results(out: Path) -> list[dict[str, Any]]:
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(2)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    results = {}
    for mode in ("epoch", "iter"):
        root = tmp_path_factory.mktemp(f"ddp_straight_{mode}")
        proc = _run(root / "work", mode, 0, False, root / "out")
        assert proc.returncode == 0, proc.stderr[-5000:]
        results[mode] = _results(root / "out")
    return results


@pytest.mark.parametrize(
    ("mode", "kill_at"),
    [
        ("epoch", 7),  # mid-epoch: epoch 2 (5 batches per rank), batch 2
        ("iter", 6),   # after a validation (every 4), one batch into the second data pass
    ],
)
def test_ddp_killed_and_resumed_run_equals_uninterrupted(
    tmp_path: Path, uninterrupted: dict[str, list[dict[str, Any]]], mode: str, kill_at: int
) -> None:
    work = tmp_path / "work"
    killed = _run(work, mode, kill_at, False, tmp_path / "never")
    assert killed.returncode != 0, "the SIGKILL hook did not stop the job"
    assert not (tmp_path / "never").exists()
    assert (work / f"iter_{kill_at}.pth").exists()
    assert not (work / f"iter_{kill_at + 1}.pth").exists()

    # Each rank's random state is saved under its own index, and they differ.
    checkpoint = torch.load(work / f"iter_{kill_at}.pth", weights_only=False)
    assert len(checkpoint["rng_states"]) == 2
    torch0 = checkpoint["rng_states"][0]["torch"]
    torch1 = checkpoint["rng_states"][1]["torch"]
    assert not torch.equal(torch0, torch1)

    resumed_proc = _run(work, mode, 0, True, tmp_path / "resumed")
    assert resumed_proc.returncode == 0, resumed_proc.stderr[-5000:]
    resumed = _results(tmp_path / "resumed")
    expected = uninterrupted[mode]
    assert [r["seed"] for r in expected] == [7, 8]  # diff_rank_seed: different dropout masks
    # The ranks' own losses differ (own masks, own batches), so comparing each rank with the
    # same rank of the uninterrupted run checks that rank's restored state.
    assert expected[0]["losses"] != expected[1]["losses"]
    for rank in range(2):
        assert resumed[rank]["seed"] == expected[rank]["seed"]
        assert resumed[rank]["losses"] == [
            item for item in expected[rank]["losses"] if item[0] > kill_at
        ], f"rank {rank}"
        for key, value in expected[rank]["state_dict"].items():
            assert torch.equal(resumed[rank]["state_dict"][key], value), (rank, key)
