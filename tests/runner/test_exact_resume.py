"""Kill a run with SIGKILL at any iteration, resume it, and get bit-identical weights.

MMEngine's resume is not exact: it restores no random state and restarts a half-done epoch.
mmlight restores every random generator and the sampler position, so the resumed run draws the
same dropout masks and sees the same batches as the run that was never interrupted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).with_name("resume_script.py")


def _run(work_dir: Path, mode: str, kill_at: int, resume: bool, out: Path) -> int:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(work_dir), mode, str(kill_at), "1" if resume else "0",
         str(out)],
        capture_output=True, text=True, timeout=180,
    )
    if result.returncode not in (0, -9):
        raise AssertionError(result.stderr[-4000:])
    return result.returncode


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    results = {}
    for mode in ("epoch", "iter"):
        root = tmp_path_factory.mktemp(f"straight_{mode}")
        assert _run(root / "work", mode, 0, False, root / "out.pth") == 0
        results[mode] = torch.load(root / "out.pth", weights_only=True)
    return results


@pytest.mark.parametrize(
    ("mode", "kill_at"),
    [
        ("epoch", 7),   # mid-epoch (epoch 2, batch 2 of 5)
        ("epoch", 10),  # the last batch of epoch 2: after_train_epoch and validation pending
        ("epoch", 1),   # after the very first iteration
        ("iter", 8),    # a validation (every 4 iterations) follows the checkpoint
        ("iter", 6),    # the data pass (5 batches) restarted one iteration earlier
    ],
)
def test_killed_and_resumed_run_equals_uninterrupted(
    tmp_path: Path, uninterrupted: dict[str, dict], mode: str, kill_at: int
) -> None:
    work = tmp_path / "work"
    assert _run(work, mode, kill_at, False, tmp_path / "never.pth") == -9
    assert not (tmp_path / "never.pth").exists()
    assert (work / f"iter_{kill_at}.pth").exists()
    assert _run(work, mode, 0, True, tmp_path / "resumed.pth") == 0

    resumed = torch.load(tmp_path / "resumed.pth", weights_only=True)
    expected = uninterrupted[mode]
    # The resumed process trains only the iterations after the checkpoint, with the same losses.
    assert resumed["losses"] == [item for item in expected["losses"] if item[0] > kill_at]
    for key, value in expected["state_dict"].items():
        assert torch.equal(resumed["state_dict"][key], value), key
