"""MMCV 1.x learning-rate and momentum policies as plain functions of the training position.

MMCV 1.x's ``LrUpdaterHook``/``MomentumUpdaterHook`` set absolute values before every
iteration; these functions give the same value for one param group at one position, so
:mod:`mmlight.mmcv1.schedulers` can replay a schedule that no MMEngine scheduler chain
reproduces exactly (``inv``, ``cyclic``, flat cosine, warm-up on top of a non-multiplicative
decay, ...). Everything here is pure Python: no torch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LR_POLICIES",
    "MOMENTUM_POLICIES",
    "Position",
    "anneal",
    "canonical_policy",
    "one_cycle_momentum",
    "policy_value",
    "warmup_factor",
]

# MMCV spells policies either lower-case ('step', made Title-case) or as the hook prefix.
LR_POLICIES = {
    "fixed": "Fixed",
    "step": "Step",
    "exp": "Exp",
    "poly": "Poly",
    "inv": "Inv",
    "cosineannealing": "CosineAnnealing",
    "flatcosineannealing": "FlatCosineAnnealing",
    "cosinerestart": "CosineRestart",
    "cyclic": "Cyclic",
    "onecycle": "OneCycle",
    "linearannealing": "LinearAnnealing",
}
MOMENTUM_POLICIES = {
    "step": "Step",
    "cosineannealing": "CosineAnnealing",
    "linearannealing": "LinearAnnealing",
    "cyclic": "Cyclic",
    "onecycle": "OneCycle",
}


def canonical_policy(policy: str, table: Mapping[str, str] = LR_POLICIES) -> str:
    """``'cosine-annealing'``, ``'CosineAnnealing'``, ``'step'`` -> MMCV's hook prefix."""
    key = policy.replace("-", "").replace("_", "").lower()
    if key == "cosine":
        key = "cosineannealing"
    if key == "flatcosine":
        key = "flatcosineannealing"
    if key not in table:
        raise ValueError(
            f"unknown MMCV 1.x policy {policy!r}; known: {', '.join(sorted(set(table.values())))}"
        )
    return table[key]


@dataclass(frozen=True)
class Position:
    """Where training stands, as MMCV 1.x's runner reports it."""

    epoch: int
    iter: int
    max_epochs: int
    max_iters: int


def anneal(
    start: float, end: float, fraction: float, strategy: str = "cos", weight: float = 1.0
) -> float:
    """Cosine (``weight`` scales the starting distance) or linear interpolation."""
    if strategy == "linear":
        return start + (end - start) * fraction
    return end + 0.5 * weight * (start - end) * (math.cos(math.pi * fraction) + 1)


def _target(base: float, args: Mapping[str, Any], prefix: str) -> float:
    ratio = args.get(f"{prefix}_ratio")
    return base * ratio if ratio is not None else float(args[prefix])


def _step_exponent(progress: int, step: int | Sequence[int]) -> int:
    if isinstance(step, int):
        return progress // step
    for index, milestone in enumerate(step):
        if progress < milestone:
            return index
    return len(step)


def _cyclic(base: float, args: Mapping[str, Any], it: int, max_iters: int, lr: bool) -> float:
    default = (10, 1e-4) if lr else (0.85 / 0.95, 1.0)
    ratio = args.get("target_ratio", default)
    if isinstance(ratio, (int, float)):
        ratio = (ratio, ratio / 1e5)
    elif len(ratio) == 1:
        ratio = (ratio[0], ratio[0] / 1e5)
    per_cycle = max_iters // args.get("cyclic_times", 1)
    up = int(args.get("step_ratio_up", 0.4) * per_cycle)
    inner, cycle = it % per_cycle, it // per_cycle
    scale = args.get("gamma", 1) ** cycle
    strategy = args.get("anneal_strategy", "cos")
    if inner < up:
        start, end = 1.0, 1 - scale + ratio[0] * scale
        return anneal(base * start, base * end, inner / up, strategy)
    start, end = 1 - scale + ratio[0] * scale, ratio[1]
    return anneal(base * start, base * end, (inner - up) / (per_cycle - up), strategy)


def _one_cycle_lr(base: float, args: Mapping[str, Any], it: int, max_iters: int) -> float:
    total = args.get("total_steps") or max_iters
    pct = args.get("pct_start", 0.3)
    div, final = args.get("div_factor", 25), args.get("final_div_factor", 1e4)
    if args.get("three_phase", False):
        phases = [
            (pct * total - 1, 1, div),
            (2 * pct * total - 2, div, 1),
            (total - 1, 1, 1 / final),
        ]
    else:
        phases = [(pct * total - 1, 1, div), (total - 1, div, 1 / final)]
    start_iter = 0.0
    for end_iter, start, end in phases:
        if it <= end_iter:
            fraction = (it - start_iter) / (end_iter - start_iter)
            return anneal(base * start, base * end, fraction, args.get("anneal_strategy", "cos"))
        start_iter = end_iter
    raise ValueError(f"iteration {it} is past the one-cycle schedule of {total} steps")


def one_cycle_momentum(
    low: float, high: float, args: Mapping[str, Any], it: int, max_iters: int
) -> float:
    pct = args.get("pct_start", 0.3)
    if args.get("three_phase", False):
        phases = [
            (pct * max_iters - 1, high, low),
            (2 * pct * max_iters - 2, low, high),
            (max_iters - 1, high, high),
        ]
    else:
        phases = [(pct * max_iters - 1, high, low), (max_iters - 1, low, high)]
    start_iter = 0.0
    for index, (end_iter, start, end) in enumerate(phases):
        if it <= end_iter or index == len(phases) - 1:
            fraction = (it - start_iter) / (end_iter - start_iter)
            return anneal(start, end, fraction, args.get("anneal_strategy", "cos"))
        start_iter = end_iter
    raise AssertionError("unreachable")


def policy_value(
    policy: str,
    base: float,
    args: Mapping[str, Any],
    pos: Position,
    by_epoch: bool,
    lr: bool = True,
) -> float:
    """The *regular* (no warm-up) value MMCV 1.7 gives one group with initial value ``base``.

    ``policy`` is a canonical name (:func:`canonical_policy`); ``args`` the policy's own
    arguments as written in ``lr_config``/``momentum_config``. For a momentum ``OneCycle``
    ``base`` is ignored (the cycle runs between ``base_momentum`` and ``max_momentum``).
    """
    progress = pos.epoch if by_epoch else pos.iter
    span = pos.max_epochs if by_epoch else pos.max_iters
    name = "min_lr" if lr else "min_momentum"
    if policy == "Fixed":
        return base
    if policy == "Step":
        value = base * args.get("gamma", 0.1 if lr else 0.5) ** _step_exponent(
            progress, args["step"]
        )
        floor = args.get(name)
        return value if floor is None else max(value, floor)
    if policy == "Exp":
        return base * args["gamma"] ** progress
    if policy == "Poly":
        low = args.get("min_lr", 0.0)
        return (base - low) * (1 - progress / span) ** args.get("power", 1.0) + low
    if policy == "Inv":
        return base * (1 + args["gamma"] * progress) ** (-args.get("power", 1.0))
    if policy == "CosineAnnealing":
        return anneal(base, _target(base, args, name), progress / span)
    if policy == "LinearAnnealing":
        return anneal(base, _target(base, args, name), progress / span, "linear")
    if policy == "FlatCosineAnnealing":
        start = round(span * args.get("start_percent", 0.75))
        if progress < start:
            return base
        return anneal(base, _target(base, args, name), (progress - start) / (span - start))
    if policy == "CosineRestart":
        periods, weights = args["periods"], args.get("restart_weights", [1])
        ends = [sum(periods[: i + 1]) for i in range(len(periods))]
        index = next((i for i, end in enumerate(ends) if progress < end), None)
        if index is None:
            raise ValueError(f"Current iteration {progress} exceeds cumulative_periods {ends}")
        restart = 0 if index == 0 else ends[index - 1]
        fraction = min((progress - restart) / periods[index], 1)
        return anneal(base, _target(base, args, name), fraction, weight=weights[index])
    if policy == "Cyclic":
        return _cyclic(base, args, pos.iter, pos.max_iters, lr)
    if policy == "OneCycle" and lr:
        return _one_cycle_lr(base, args, pos.iter, pos.max_iters)
    raise ValueError(f"no MMCV 1.x {'lr' if lr else 'momentum'} policy {policy!r}")


def warmup_factor(kind: str, ratio: float, it: int, warmup_iters: int) -> float:
    """The factor MMCV 1.x multiplies the regular lr by at iteration ``it < warmup_iters``
    (momentum is divided by it)."""
    if kind == "constant":
        return ratio
    if kind == "linear":
        return 1 - (1 - it / warmup_iters) * (1 - ratio)
    if kind == "exp":
        return ratio ** (1 - it / warmup_iters)
    raise ValueError(
        f'"{kind}" is not a supported type for warming up: use "constant", "linear" or "exp"'
    )
