"""Two real gloo processes (``torch.multiprocessing.spawn``) each build mmlight samplers.

Run as a script by ``test_dist_sampler.py``: ``python dist_sampler_script.py OUT_DIR``. Each
rank writes ``rank<N>.json`` with its sampler seed and index shards; the test checks them.
"""

from __future__ import annotations

import itertools
import json
import os
import sys

import torch.distributed as dist
import torch.multiprocessing as mp

WORLD_SIZE = 2
DATASET_SIZE = 11


def _worker(rank: int, out_dir: str) -> None:
    dist.init_process_group(
        "gloo",
        init_method=f"file://{os.path.join(out_dir, 'store')}",
        rank=rank,
        world_size=WORLD_SIZE,
    )
    try:
        import numpy as np

        from mmlight.dataset import DefaultSampler, InfiniteSampler

        np.random.seed(1000 + rank)  # ranks draw different seeds; sync must pick rank 0's
        sampler = DefaultSampler(list(range(DATASET_SIZE)), shuffle=True, seed=None)
        epochs = {}
        for epoch in (0, 3):
            sampler.set_epoch(epoch)
            epochs[epoch] = list(sampler)
        fixed = DefaultSampler(list(range(DATASET_SIZE)), shuffle=True, seed=5, round_up=False)
        infinite = InfiniteSampler(list(range(DATASET_SIZE)), shuffle=True, seed=9)
        result = {
            "rank": sampler.rank,
            "world_size": sampler.world_size,
            "seed": sampler.seed,
            "epochs": epochs,
            "len": len(sampler),
            "no_round_up": list(fixed),
            "infinite": list(itertools.islice(iter(infinite), 15)),
        }
        with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as stream:
            json.dump(result, stream)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(_worker, args=(sys.argv[1],), nprocs=WORLD_SIZE, join=True)
