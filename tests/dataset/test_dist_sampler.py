"""Samplers under a real 2-process gloo group: the shards partition one round-up list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

SCRIPT = Path(__file__).with_name("dist_sampler_script.py")
REPO_ROOT = Path(__file__).resolve().parents[2]


def _permutation(size: int, seed: int) -> list[int]:
    return torch.randperm(size, generator=torch.Generator().manual_seed(seed)).tolist()


def test_two_gloo_ranks_shard_one_round_up_list(tmp_path: Path) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]

    assert [(r["rank"], r["world_size"]) for r in ranks] == [(0, 2), (1, 2)]
    np.random.seed(1000)  # rank 0's numpy state in the script
    rank0_draw = int(np.random.randint(2**31))
    assert ranks[0]["seed"] == ranks[1]["seed"] == rank0_draw
    assert [r["len"] for r in ranks] == [6, 6]

    seed = ranks[0]["seed"]
    for epoch in ("0", "3"):
        full = _permutation(11, seed + int(epoch))
        round_up = full + full[:1]  # 11 -> 12 samples
        shard0, shard1 = ranks[0]["epochs"][epoch], ranks[1]["epochs"][epoch]
        interleaved = [index for pair in zip(shard0, shard1) for index in pair]
        assert interleaved == round_up

    full = _permutation(11, 5)
    assert ranks[0]["no_round_up"] == full[0::2]
    assert ranks[1]["no_round_up"] == full[1::2]
    assert len(ranks[0]["no_round_up"]) + len(ranks[1]["no_round_up"]) == 11

    generator = torch.Generator().manual_seed(9)
    stream: list[int] = []
    while len(stream) < 30:
        stream += torch.randperm(11, generator=generator).tolist()
    assert ranks[0]["infinite"] == stream[0:30:2]
    assert ranks[1]["infinite"] == stream[1:30:2]
