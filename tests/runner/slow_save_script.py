"""A training run whose chosen checkpoint write pauses half-way, for SIGKILL-during-save tests.

usage: slow_save_script.py WORK_DIR RESUME OUT
  RESUME   1 to resume from the latest checkpoint in WORK_DIR
  OUT      where to torch.save the final state_dict, the per-iteration losses and best files

The scenario is resume_script.py's iteration-based run (13 iterations, a checkpoint every
iteration, validation every 4) with ``max_keep_ckpts=1`` and ``save_best`` on a metric that
improves at every validation, so a previous checkpoint and a previous best always exist.

Test-only pause: with ``MMLIGHT_TEST_PAUSE_IN=<file name>`` the write of that file stops
after half its bytes are on disk, touches ``MMLIGHT_TEST_PAUSE_MARKER`` and sleeps, so the test
can SIGKILL the process while it is inside the save.
"""

from __future__ import annotations

import io
import os
import sys
import time
from typing import Any

import torch
from resume_script import make_runner

from mmlight.evaluator import BaseMetric
from mmlight.hooks import Hook

_real_save = torch.save
_STEP = [0]


def _pausing_save(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
    """torch.save that, for the chosen target, writes half the bytes and then waits."""
    target = os.environ.get("MMLIGHT_TEST_PAUSE_IN", "")
    name = os.path.basename(str(getattr(f, "name", "")))
    if not target or not name.startswith(f".{target}.tmp-"):
        _real_save(obj, f, *args, **kwargs)
        return
    buffer = io.BytesIO()
    _real_save(obj, buffer, *args, **kwargs)
    data = buffer.getvalue()
    f.write(data[: len(data) // 2])
    f.flush()
    os.fsync(f.fileno())
    with open(os.environ["MMLIGHT_TEST_PAUSE_MARKER"], "w") as marker:
        marker.write(name)
    time.sleep(120)


class Progress(BaseMetric):
    """``progress`` = the iteration validated at: every validation is a new best."""

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.append(0)

    def compute_metrics(self, results: list) -> dict:
        return dict(progress=float(_STEP[0]))


class TrackIter(Hook):
    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        _STEP[0] = runner.iter + 1


def main() -> None:
    work_dir, resume, out = sys.argv[1:4]
    torch.save = _pausing_save  # type: ignore[assignment]
    runner, recorder = make_runner(
        work_dir, "iter", 0, resume == "1",
        val_evaluator=[Progress()],
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=1, by_epoch=False, max_keep_ckpts=1,
                            save_best="progress", rule="greater"),
        ),
    )
    runner.register_hook(TrackIter())
    runner.train()
    best = sorted(n for n in os.listdir(work_dir) if n.startswith("best_"))
    _real_save(dict(state_dict=runner.model.state_dict(), losses=recorder.losses, best=best), out)


if __name__ == "__main__":
    main()
