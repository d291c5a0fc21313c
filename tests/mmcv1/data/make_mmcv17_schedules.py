"""Record the lr and momentum MMCV 1.7.2 gives at every iteration for each corpus config.

Run once, with MMCV 1.7.2's source on the path (it needs no compiled ops), to regenerate
``mmcv17_schedules.json``; the tests compare mmlight's translated schedules against it:

    git -C <mmcv clone> archive v1.7.2 mmcv | tar -x -C /tmp/mmcv17
    PYTHONPATH=/tmp/mmcv17 python tests/mmcv1/data/make_mmcv17_schedules.py

MMCV's runner package imports torchvision only for model-zoo URLs; a stub stands in for it.
The hooks themselves are MMCV's: built from the config the way ``BaseRunner.register_lr_hook``
and ``register_momentum_hook`` build them, driven by a minimal runner stand-in that follows
``EpochBasedRunner``/``IterBasedRunner``'s hook call order.
"""

from __future__ import annotations

import copy
import json
import runpy
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parent / "configs"
EPOCH_LENGTH = 5  # iterations per epoch in epoch-based runs


def _stub_torchvision() -> None:
    module = types.ModuleType("torchvision")
    module.__path__ = []  # type: ignore[attr-defined]
    models = types.ModuleType("torchvision.models")
    module.models = models  # type: ignore[attr-defined]
    sys.modules.setdefault("torchvision", module)
    sys.modules.setdefault("torchvision.models", models)


def make_optimizer(optimizer_cfg: dict):
    """Two param groups: the config's values, and half the lr with a different momentum."""
    import torch

    cfg = {k: v for k, v in optimizer_cfg.items() if k not in ("type", "paramwise_cfg")}
    kind = optimizer_cfg["type"]
    first, second = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    other = {"lr": cfg["lr"] * 0.5}
    if kind == "SGD":
        other["momentum"] = 0.8
    else:
        other["betas"] = (0.85, 0.999)
    groups = [{"params": [first]}, {"params": [second], **other}]
    return getattr(torch.optim, kind)(groups, **cfg)


def run_length(cfg: dict) -> tuple[bool, int, int]:
    """(epoch_based, max_epochs, max_iters) with EPOCH_LENGTH iterations per epoch."""
    runner = cfg.get("runner") or dict(type="EpochBasedRunner", max_epochs=cfg["total_epochs"])
    if runner["type"] == "IterBasedRunner":
        return False, 0, runner["max_iters"]
    return True, runner["max_epochs"], runner["max_epochs"] * EPOCH_LENGTH


def _build_hook(config: dict | None, suffix: str):
    from mmcv.runner.hooks import HOOKS
    from mmcv.utils import build_from_cfg

    if config is None:
        return None
    config = copy.deepcopy(config)
    policy = config.pop("policy")
    if policy == policy.lower():
        policy = policy.title()
    config["type"] = policy + suffix
    return build_from_cfg(config, HOOKS)


def record(cfg: dict) -> dict:
    epoch_based, max_epochs, max_iters = run_length(cfg)
    optimizer = make_optimizer(cfg["optimizer"])
    hooks = [
        hook
        for hook in (
            _build_hook(cfg.get("lr_config"), "LrUpdaterHook"),
            _build_hook(cfg.get("momentum_config"), "MomentumUpdaterHook"),
        )
        if hook is not None
    ]
    runner = types.SimpleNamespace(
        optimizer=optimizer,
        epoch=0,
        iter=0,
        max_epochs=max_epochs or None,
        max_iters=max_iters,
        data_loader=range(EPOCH_LENGTH),
    )
    for hook in hooks:
        hook.before_run(runner)
    lrs, momenta = [], []
    for it in range(max_iters):
        runner.iter = it
        if epoch_based and it % EPOCH_LENGTH == 0:
            runner.epoch = it // EPOCH_LENGTH
            for hook in hooks:
                hook.before_train_epoch(runner)
        for hook in hooks:
            hook.before_train_iter(runner)
        lrs.append([group["lr"] for group in optimizer.param_groups])
        momenta.append(
            [
                group["momentum"] if "momentum" in group else group["betas"][0]
                for group in optimizer.param_groups
            ]
        )
    return dict(epoch_length=EPOCH_LENGTH if epoch_based else None, lr=lrs, momentum=momenta)


def main() -> None:
    _stub_torchvision()
    import mmcv

    assert mmcv.__version__ == "1.7.2", mmcv.__version__
    out = {"mmcv": mmcv.__version__, "schedules": {}}
    for path in sorted(CONFIGS.glob("*.py")):
        cfg = runpy.run_path(str(path))
        out["schedules"][path.stem] = record(cfg)
    (HERE / "mmcv17_schedules.json").write_text(json.dumps(out, indent=None) + "\n")
    print(f"recorded {len(out['schedules'])} schedules")


if __name__ == "__main__":
    main()
