"""One two-rank FSDP training run for the FSDP kill-and-resume tests (under torchrun, gloo).

usage: fsdp_resume_script.py WORK_DIR USE_ORIG_PARAMS KILL_AT RESUME OUT
  USE_ORIG_PARAMS  1 or 0 (model_wrapper_cfg.use_orig_params)
  KILL_AT          iteration (1-based) after whose checkpoint every rank SIGKILLs itself; 0 = never
  RESUME           1 to resume from the latest checkpoint in WORK_DIR
  OUT              folder; rank r writes ``rank<r>.pt`` (its local losses; rank 0 also the full
                   weights and optimizer state, gathered from the shards)

The scenario of resume_script.py (dropout, ``diff_rank_seed``, SGD with momentum, a warm-up
schedule, validation every 4 iterations) with the model sharded by MMFSDPStrategy on the CPU.
``linear1`` is wrapped in its own FSDP unit (size-based policy), so the flat parameters do not
follow the model's parameter order.
"""

from __future__ import annotations

import os
import sys

import torch
from resume_script import make_runner  # this script's folder is on sys.path
from torch.distributed.fsdp.wrap import size_based_auto_wrap_policy

from mmlight.dist import get_dist_info
from mmlight.registry import FUNCTIONS
from mmlight.runner.runner_checkpoint import _full_fsdp_optim_state, _full_fsdp_state_dict

FUNCTIONS.register_module(name="size_based_auto_wrap_policy", module=size_based_auto_wrap_policy,
                          force=True)


def main() -> None:
    work_dir, use_orig_params, kill_at, resume, out = sys.argv[1:6]
    runner, recorder = make_runner(
        work_dir, "iter", int(kill_at), resume == "1", batch_size=4,
        launcher="pytorch",
        randomness=dict(seed=7, diff_rank_seed=True),
        # The Runner reads these two from its config, as mmengine's does model_wrapper_cfg.
        cfg=dict(
            model_wrapper_cfg=dict(
                type="MMFullyShardedDataParallel",
                use_orig_params=use_orig_params == "1",
                auto_wrap_policy=dict(type="size_based_auto_wrap_policy", min_num_params=100),
            ),
            trainer=dict(accelerator="cpu", enable_progress_bar=False),
        ),
        experiment_name=f"fsdp_resume_{resume}",
    )
    runner.train()
    rank, _ = get_dist_info()
    weights = _full_fsdp_state_dict(runner.model, runner.model)
    optimizer = _full_fsdp_optim_state(runner.model, runner.optim_wrapper)
    os.makedirs(out, exist_ok=True)
    torch.save(dict(losses=recorder.losses, seed=runner.seed, state_dict=weights,
                    optimizer=optimizer), os.path.join(out, f"rank{rank}.pt"))


if __name__ == "__main__":
    main()
