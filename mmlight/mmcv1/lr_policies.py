"""MMCV 1.x ``lr_config``/``momentum_config`` -> an MMEngine ``param_scheduler`` list.

MMCV 1.x recomputes absolute values before each iteration; MMEngine's schedulers chain
multiplicatively. The translation uses MMEngine's own schedulers (``LinearLR``,
``MultiStepLR``, ``PolyLR``, ``CosineAnnealingLR``, ...) wherever a chain of them gives
exactly MMCV 1.7's value at every iteration, and otherwise one
:class:`~mmlight.mmcv1.schedulers.MMCV1LrScheduler` (or ``MMCV1MomentumScheduler``) that
replays MMCV's formula, with a note saying why. The rules for "exactly":

- a warm-up chains onto the decay only when the decay is multiplicative (scaling the value
  scales every later value): fixed, step without ``min_lr``, exp, and poly/cosine ending at 0;
- MMCV's warm-up ends at ``warmup_iters``, MMEngine's ``LinearLR``/``ConstantLR`` one step
  before ``end``, hence ``end=warmup_iters + 1``; a warm-up counted in epochs needs the epoch
  length, which only the runner knows, so it is replayed;
- poly and cosine need the run length in the unit they count; inside an epoch-based run a
  per-iteration cosine is converted by the runner (``convert_to_iter_based``), a per-iteration
  poly (whose end would be ``max_iters + 1``) is replayed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mmlight.mmcv1.policy_math import LR_POLICIES, MOMENTUM_POLICIES, canonical_policy

__all__ = ["RunLength", "ScheduleTranslation", "translate_schedules"]

_WARMUP_KEYS = ("warmup", "warmup_iters", "warmup_ratio", "warmup_by_epoch")


@dataclass(frozen=True)
class RunLength:
    """The run as MMCV 1.x's runner was configured: epochs or iterations."""

    epoch_based: bool
    max_epochs: int | None = None
    max_iters: int | None = None


@dataclass
class ScheduleTranslation:
    schedulers: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _exact(
    kind: str, cfg: Mapping[str, Any], policy: str, by_epoch: bool, run: RunLength
) -> dict[str, Any]:
    """The replaying scheduler for ``kind`` ('Lr' or 'Momentum')."""
    args = {k: v for k, v in cfg.items() if k not in (*_WARMUP_KEYS, "policy", "by_epoch")}
    out: dict[str, Any] = dict(
        type=f"MMCV1{kind}Scheduler", policy=policy, policy_args=args, policy_by_epoch=by_epoch
    )
    if cfg.get("warmup") is not None:
        for key in _WARMUP_KEYS:
            if key in cfg:
                out[key] = cfg[key]
    if run.epoch_based:
        out.update(max_epochs=run.max_epochs, by_epoch=True, convert_to_iter_based=True)
    else:
        out.update(max_iters=run.max_iters, by_epoch=False)
    return out


def _span(by_epoch: bool, run: RunLength) -> int | None:
    """The run length in the unit the policy counts, when the translation knows it."""
    if by_epoch:
        return run.max_epochs if run.epoch_based else None
    return None if run.epoch_based else run.max_iters


def _target_args(cfg: Mapping[str, Any], prefix: str) -> tuple[dict[str, Any], bool]:
    """``eta_min``/``eta_min_ratio`` for the decay's floor and whether that floor is 0."""
    if cfg.get(f"{prefix}_ratio") is not None:
        ratio = cfg[f"{prefix}_ratio"]
        return dict(eta_min_ratio=ratio), ratio == 0
    value = cfg.get(prefix, 0.0)
    return dict(eta_min=value), value == 0


def _standard_decay(
    kind: str, policy: str, cfg: Mapping[str, Any], by_epoch: bool, run: RunLength
) -> tuple[dict[str, Any] | None, bool]:
    """MMEngine's scheduler for the regular schedule (None: none needed) and whether it
    chains multiplicatively; raises LookupError when none reproduces MMCV exactly."""
    suffix = "LR" if kind == "Lr" else "Momentum"
    prefix = "min_lr" if kind == "Lr" else "min_momentum"
    unit = dict(by_epoch=by_epoch)
    if policy == "Fixed":
        return None, True
    if policy == "Step" and cfg.get(prefix) is None:
        gamma = cfg.get("gamma", 0.1 if kind == "Lr" else 0.5)
        step = cfg["step"]
        if isinstance(step, int):
            return dict(type=f"Step{suffix}", step_size=step, gamma=gamma, **unit), True
        return dict(type=f"MultiStep{suffix}", milestones=list(step), gamma=gamma, **unit), True
    if policy == "Exp" and kind == "Lr":
        return dict(type="ExponentialLR", gamma=cfg["gamma"], **unit), True
    span = _span(by_epoch, run)
    if policy == "Poly" and kind == "Lr" and span is not None:
        low = cfg.get("min_lr", 0.0)
        # MMEngine's poly reaches eta_min at end - 1; MMCV's at max_progress.
        sched = dict(
            type="PolyLR", power=cfg.get("power", 1.0), eta_min=low, begin=0, end=span + 1, **unit
        )
        return sched, low == 0
    if policy == "CosineAnnealing" and span is not None:
        target, zero = _target_args(cfg, prefix)
        return dict(
            type=f"CosineAnnealing{suffix}", T_max=span, **target, begin=0, end=span, **unit
        ), zero
    if policy == "CosineAnnealing" and not by_epoch and run.epoch_based:
        # Per iteration over max_epochs * epoch_length: the runner's conversion scales T_max
        # and end by the epoch length, which is exactly MMCV's max_iters.
        target, zero = _target_args(cfg, prefix)
        return dict(
            type=f"CosineAnnealing{suffix}",
            T_max=run.max_epochs,
            **target,
            begin=0,
            end=run.max_epochs,
            by_epoch=True,
            convert_to_iter_based=True,
        ), zero
    # MMEngine scales the restart value by its weight; MMCV scales its distance to the floor.
    weights = list(cfg.get("restart_weights", [1]))
    if policy == "CosineRestart" and kind == "Lr" and all(w == 1 for w in weights):
        target, _ = _target_args(cfg, prefix)
        periods = list(cfg["periods"])
        return dict(
            type="CosineRestartLR",
            periods=periods,
            restart_weights=weights,
            **target,
            begin=0,
            end=sum(periods),
            **unit,
        ), False
    if policy == "OneCycle" and kind == "Lr" and (cfg.get("total_steps") or not run.epoch_based):
        sched = dict(
            type="OneCycleLR",
            eta_max=cfg["max_lr"],
            total_steps=cfg.get("total_steps") or run.max_iters,
        )
        for key in (
            "pct_start",
            "anneal_strategy",
            "div_factor",
            "final_div_factor",
            "three_phase",
        ):
            if key in cfg:
                sched[key] = cfg[key]
        sched.update(by_epoch=False)
        return sched, False
    raise LookupError(policy)


def _standard_warmup(kind: str, cfg: Mapping[str, Any]) -> dict[str, Any]:
    if (
        kind != "Lr"
        or cfg.get("warmup_by_epoch", False)
        or cfg["warmup"] not in ("linear", "constant")
    ):
        raise LookupError(cfg["warmup"])
    ratio = cfg.get("warmup_ratio", 0.1)
    end = cfg["warmup_iters"] + 1  # MMEngine's factor reaches 1 at end - 1
    if cfg["warmup"] == "linear":
        return dict(
            type="LinearLR", start_factor=ratio, end_factor=1.0, begin=0, end=end, by_epoch=False
        )
    return dict(type="ConstantLR", factor=ratio, begin=0, end=end, by_epoch=False)


def _translate_one(kind: str, cfg: Mapping[str, Any] | None, run: RunLength) -> ScheduleTranslation:
    out = ScheduleTranslation()
    if cfg is None:
        return out
    what = "lr_config" if kind == "Lr" else "momentum_config"
    if "policy" not in cfg:
        out.notes.append(
            f"{what} without `policy` ({dict(cfg)!r}) was not translated: add the "
            "equivalent param_scheduler entries by hand"
        )
        return out
    table = LR_POLICIES if kind == "Lr" else MOMENTUM_POLICIES
    policy = canonical_policy(str(cfg["policy"]), table)
    by_epoch = cfg.get("by_epoch", policy not in ("Cyclic", "OneCycle"))
    if by_epoch and not run.epoch_based and policy != "Fixed":
        out.notes.append(
            f"{what} has by_epoch=True in an IterBasedRunner run, where MMCV 1.x never updated "
            "it per epoch; translated as counting iterations - check the schedule"
        )
        by_epoch = False
    try:
        decay, multiplicative = _standard_decay(kind, policy, cfg, by_epoch, run)
        warm = None if cfg.get("warmup") is None else _standard_warmup(kind, cfg)
        if warm is not None and not multiplicative:
            raise LookupError("warm-up on a non-multiplicative decay")
    except LookupError:
        out.schedulers.append(_exact(kind, cfg, policy, by_epoch, run))
        out.notes.append(
            f"{what} (policy={cfg['policy']!r}"
            + (f", warmup={cfg['warmup']!r}" if cfg.get("warmup") else "")
            + f") has no exact MMEngine scheduler chain; MMCV1{kind}Scheduler replays MMCV "
            "1.7's formula at every iteration"
        )
        return out
    out.schedulers.extend(s for s in (warm, decay) if s is not None)
    return out


def translate_schedules(
    lr_config: Mapping[str, Any] | None, momentum_config: Mapping[str, Any] | None, run: RunLength
) -> ScheduleTranslation:
    """The ``param_scheduler`` list (lr first, then momentum) and the notes for the user."""
    result = ScheduleTranslation()
    for kind, cfg in (("Lr", lr_config), ("Momentum", momentum_config)):
        part = _translate_one(kind, cfg, run)
        result.schedulers += part.schedulers
        result.notes += part.notes
    return result
