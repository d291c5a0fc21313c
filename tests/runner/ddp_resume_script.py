"""One two-rank training run for tests/runner/test_ddp_resume.py (started under torchrun).

usage: ddp_resume_script.py WORK_DIR MODE KILL_AT RESUME OUT
  MODE     epoch | iter
  KILL_AT  iteration (1-based) after whose checkpoint every rank SIGKILLs itself; 0 = never
  RESUME   1 to resume from the latest checkpoint in WORK_DIR
  OUT      folder; rank r writes ``rank<r>.pt`` (its final state_dict and local losses)

Dropout with ``diff_rank_seed=True`` makes the two ranks draw different masks, so a resume
that restored rank 0's random state on both ranks (or none) would change the result.
"""

from __future__ import annotations

import os
import sys

import torch
from resume_script import make_runner  # the same scenario; this script's folder is on sys.path

from mmlight.dist import get_dist_info


def main() -> None:
    work_dir, mode, kill_at, resume, out = sys.argv[1:6]
    # 37 samples, 2 ranks, batch 4: 19 per rank (one padded), 5 batches, the last one short.
    # KillAndRecord runs after CheckpointHook, whose write rank 1 waited for in a collective,
    # so every rank's kill at KILL_AT leaves that iteration's checkpoint on disk.
    runner, recorder = make_runner(
        work_dir, mode, int(kill_at), resume == "1", batch_size=4,
        launcher="pytorch",
        randomness=dict(seed=7, diff_rank_seed=True),
        experiment_name=f"ddp_resume_{resume}",
    )
    runner.train()
    rank, _ = get_dist_info()
    state = {k: v.detach().clone() for k, v in runner.model.state_dict().items()}
    os.makedirs(out, exist_ok=True)
    torch.save(dict(state_dict=state, losses=recorder.losses, seed=runner.seed),
               os.path.join(out, f"rank{rank}.pt"))


if __name__ == "__main__":
    main()
