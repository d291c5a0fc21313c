"""Every corpus config's translated param_scheduler, stepped as mmlight's ParamSchedulerHook
steps it, gives the lr and momentum MMCV 1.7.2's updater hooks gave (recorded by
data/make_mmcv17_schedules.py from the real MMCV 1.7.2 source)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from mmlight.config import Config  # noqa: E402
from mmlight.mmcv1.config_translation import translate_config  # noqa: E402
from mmlight.mmcv1.render import render_config  # noqa: E402
from tests.mmcv1.data.make_mmcv17_schedules import make_optimizer, run_length  # noqa: E402

HERE = Path(__file__).parent
CONFIGS = sorted((HERE / "configs").glob("*.py"))
RECORDED = json.loads((HERE / "data" / "mmcv17_schedules.json").read_text())


def simulate(
    schedulers: list[dict[str, Any]], optimizer: Any, total: int, epoch_length: int | None
) -> tuple[list[list[float]], list[list[float]]]:
    """Build through PARAM_SCHEDULERS as the runner does and step as ParamSchedulerHook does."""
    import mmlight.mmcv1.schedulers  # noqa: F401  (registers MMCV1LrScheduler)
    from mmlight.registry import PARAM_SCHEDULERS

    built = [
        PARAM_SCHEDULERS.build(
            dict(cfg), default_args=dict(optimizer=optimizer, epoch_length=epoch_length)
        )
        for cfg in schedulers
    ]
    lrs, momenta = [], []
    for it in range(total):
        lrs.append([group["lr"] for group in optimizer.param_groups])
        momenta.append(
            [
                group["betas"][0] if "betas" in group else group["momentum"]
                for group in optimizer.param_groups
            ]
        )
        optimizer.step()
        for scheduler in built:
            if not scheduler.by_epoch:
                scheduler.step()
        if epoch_length and (it + 1) % epoch_length == 0:
            for scheduler in built:
                if scheduler.by_epoch:
                    scheduler.step()
    return lrs, momenta


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_translated_schedule_matches_mmcv17(path: Path, tmp_path: Path) -> None:
    """The param_scheduler of the migrated file (rendered, then loaded back) replays MMCV 1.7."""
    cfg = runpy.run_path(str(path))
    expected = RECORDED["schedules"][path.stem]
    _, _, max_iters = run_length(cfg)
    old = Config.fromfile(str(path)).to_dict()
    migrated = tmp_path / "migrated.py"
    migrated.write_text(render_config(translate_config(old), path.name))
    schedulers = Config.fromfile(str(migrated)).to_dict().get("param_scheduler", [])
    optimizer = make_optimizer(cfg["optimizer"])
    lrs, momenta = simulate(schedulers, optimizer, max_iters, expected["epoch_length"])
    for it, (got, want) in enumerate(zip(lrs, expected["lr"])):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-15), f"lr at iteration {it}"
    for it, (got, want) in enumerate(zip(momenta, expected["momentum"])):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-15), f"momentum at iteration {it}"
    assert len(lrs) == len(expected["lr"]) == max_iters
