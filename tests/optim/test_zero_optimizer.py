"""ZeroRedundancyOptimizer from mmengine's config form, on two real gloo processes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.optim import ZeroRedundancyOptimizer
from mmlight.registry import OPTIMIZERS


def _load_harness() -> Any:
    path = Path(__file__).resolve().parents[1] / "dist" / "gloo_harness.py"
    spec = importlib.util.spec_from_file_location("mmlight_tests_gloo_harness", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worker(rank: int, world_size: int, workdir: str) -> Any:
    from mmlight.optim import build_optim_wrapper

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    cfg = dict(
        optimizer=dict(type="ZeroRedundancyOptimizer", optimizer_type="SGD", lr=0.1,
                       momentum=0.9),
        paramwise_cfg=dict(custom_keys={"1.": dict(lr_mult=0.5)}),
    )
    wrapper = build_optim_wrapper(model, cfg)
    optimizer = wrapper.optimizer
    loss = model(torch.ones(2, 4)).sum()
    wrapper.update_params(loss)
    state = optimizer.state_dict()
    return dict(
        local=type(optimizer.optim).__name__,
        lrs=sorted(group["lr"] for group in optimizer.param_groups),
        params=sum(len(g["params"]) for g in state.get("param_groups", [])),
        empty=state == {},
        weights=[p.detach().clone() for p in model.parameters()],
    )


def test_registered_and_refuses_unknown_types() -> None:
    assert OPTIMIZERS.get("ZeroRedundancyOptimizer") is ZeroRedundancyOptimizer
    with pytest.raises(ValueError, match="optimizer_type='NoSuchOpt' names no optimizer"):
        ZeroRedundancyOptimizer(nn.Linear(1, 1).parameters(), optimizer_type="NoSuchOpt")


def test_shards_and_consolidates_on_gloo(tmp_path: Path) -> None:
    results = _load_harness().run_on_gloo(__file__, "worker", tmp_path)
    assert [r["local"] for r in results] == ["SGD", "SGD"]
    assert results[0]["lrs"] == [0.05, 0.05, 0.1, 0.1]
    # the whole state on rank 0, nothing on rank 1 (as mmengine's)
    assert results[0]["params"] == 4 and not results[0]["empty"]
    assert results[1]["empty"]
    for mine, other in zip(results[0]["weights"], results[1]["weights"]):
        assert torch.equal(mine, other)  # each rank's shard was broadcast to the other
