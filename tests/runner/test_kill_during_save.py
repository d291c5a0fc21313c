"""SIGKILL a real training process while it is inside a checkpoint save, then resume.

With ``max_keep_ckpts=1`` and ``save_best`` the hook used to delete the previous checkpoint
(and the previous best) before writing the new one: a kill during the write left no
checkpoint and a ``last_checkpoint`` naming a deleted file. Now old files go only after the
new file and ``last_checkpoint`` are durably in place, the temporary file the kill left is
removed by the next run, and the resumed run ends bit-identical to one never interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from mmlight.fileio.atomic import is_temp_name

SCRIPT = Path(__file__).with_name("slow_save_script.py")
TIMEOUT = 120


def _command(work_dir: Path, resume: bool, out: Path) -> list[str]:
    return [sys.executable, str(SCRIPT), str(work_dir), "1" if resume else "0", str(out)]


def _finish(work_dir: Path, resume: bool, out: Path) -> dict:
    result = subprocess.run(_command(work_dir, resume, out), capture_output=True, text=True,
                            timeout=TIMEOUT, env=_env())
    assert result.returncode == 0, result.stderr[-4000:]
    return torch.load(out, weights_only=True)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMLIGHT_TEST_PAUSE")}
    env.update(OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore", **extra)  # fast on a busy machine
    return env


def _kill_inside_save(work_dir: Path, resume: bool, target: str) -> None:
    """Start a run, wait until it is half-way through writing ``target``, SIGKILL it."""
    marker = work_dir.parent / f"inside_{target}"
    env = _env(MMLIGHT_TEST_PAUSE_IN=target, MMLIGHT_TEST_PAUSE_MARKER=str(marker))
    process = subprocess.Popen(_command(work_dir, resume, work_dir.parent / "never.pth"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + TIMEOUT
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-4000:])  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the run never reached the write of {target}")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    process.stderr.close()  # type: ignore[union-attr]
    assert not (work_dir / target).exists()


def _complete(path: Path) -> dict:
    """The checkpoint at ``path``, which must load in full."""
    assert path.is_file(), f"{path} does not exist"
    return torch.load(path, weights_only=True)


def _leftovers(work_dir: Path) -> list[str]:
    return sorted(name for name in os.listdir(work_dir) if is_temp_name(name))


def _latest(work_dir: Path) -> tuple[Path, dict]:
    """The file ``last_checkpoint`` names, which must exist and load in full."""
    latest = Path((work_dir / "last_checkpoint").read_text())
    return latest, _complete(latest)


def test_kill_inside_saves_keeps_checkpoints_and_resumes_exactly(tmp_path: Path) -> None:
    # One run never interrupted; one run killed twice (max_keep_ckpts=1, save_best) and resumed.
    expected = _finish(tmp_path / "straight", False, tmp_path / "straight.pth")
    work = tmp_path / "work"

    # 1. Killed half-way through iter_6.pth: iter_5.pth was not deleted first.
    _kill_inside_save(work, False, "iter_6.pth")
    assert [name.startswith(".iter_6.pth.tmp-") for name in _leftovers(work)] == [True]
    latest, checkpoint = _latest(work)
    assert latest == work / "iter_5.pth"
    assert checkpoint["meta"]["iter"] == 5

    # 2. Resumed, then killed half-way through a new best: the previous best survives, and
    #    the temporary file of kill 1 is gone (removed when the run started).
    _kill_inside_save(work, True, "best_progress_iter_8.pth")
    assert [name.startswith(".best_progress_iter_8.pth.tmp-") for name in _leftovers(work)] == [
        True
    ]
    latest, checkpoint = _latest(work)
    assert latest == work / "iter_8.pth"
    assert sorted(p.name for p in work.glob("iter_*.pth")) == ["iter_8.pth"]
    best = checkpoint["message_hub"]["runtime_info"]["best_ckpt"]
    assert best == str(work / "best_progress_iter_4.pth")
    _complete(Path(best))

    # 3. Resumed to the end: the same losses and bit-identical weights, nothing left over.
    resumed = _finish(work, True, tmp_path / "resumed.pth")
    assert resumed["losses"] == [item for item in expected["losses"] if item[0] > 8]
    for key, value in expected["state_dict"].items():
        assert torch.equal(resumed["state_dict"][key], value), key
    assert resumed["best"] == expected["best"] == ["best_progress_iter_13.pth"]
    assert _leftovers(work) == []
