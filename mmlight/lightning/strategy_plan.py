"""The launcher/strategy part of a Trainer, kept as plain data and built anew for every Trainer.

A Lightning ``Strategy`` belongs to the first Trainer that gets it: the Trainer stores its
accelerator, precision plugin and cluster environment in it, and a second Trainer handed the
same object refuses it ("accelerator set through both strategy class and accelerator flag").
A Runner builds one Trainer per stage (``train()`` then ``val()`` then ``test()``), so
``setup_distributed`` keeps what the config asked for as a ``StrategyPlan`` and every Trainer
gets new objects from ``StrategyPlan.trainer_kwargs``. The process group is not part of the
plan: mmlight initialises it once, and each new strategy finds it initialised and reuses it.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mmlight.lightning.dist_strategy import (
    StrategyConfigError,
    strategy_from_config,
    strategy_from_model_wrapper,
    sync_bn_trainer_kwargs,
)

__all__ = ["StrategyPlan", "build_strategy"]


@dataclass(frozen=True)
class StrategyPlan:
    """What ``launcher``, ``model_wrapper_cfg``, ``strategy`` and ``sync_bn`` ask of a Trainer.

    ``strategy`` is the config's entry as written (a name or a dict; a Strategy object given
    through the Python API is kept as an unused copy, the template of the ones handed out).
    """

    distributed: bool = False
    launcher: str = "none"
    accelerator: str = "auto"
    rank: int = 0
    world_size: int = 1
    local_world_size: int = 1
    num_nodes: int = 1
    backend: str | None = None
    strategy: Any = None
    model_wrapper_cfg: Mapping[str, Any] | None = None
    find_unused_parameters: bool = False
    sync_bn: str | None = None

    def __post_init__(self) -> None:
        from lightning.pytorch.strategies import Strategy

        if isinstance(self.strategy, Strategy):
            # The caller's object may be handed to a Trainer later; keep an untouched copy.
            object.__setattr__(self, "strategy", copy.deepcopy(self.strategy))

    def trainer_kwargs(self) -> dict[str, Any]:
        """Trainer arguments with a new strategy and cluster environment (one Trainer's)."""
        strategy, extra = build_strategy(self)
        if not self.distributed:
            kwargs: dict[str, Any] = dict(accelerator="auto", devices=1)
            if strategy is not None:
                kwargs["strategy"] = strategy
            kwargs.update(extra)
            return kwargs
        kwargs = dict(
            accelerator=self.accelerator,
            devices=self.local_world_size,
            num_nodes=self.num_nodes,
            strategy=strategy,
            plugins=[self._cluster_environment()],
        )
        kwargs.update(sync_bn_trainer_kwargs(self.sync_bn))
        kwargs.update(extra)
        return kwargs

    def _cluster_environment(self) -> Any:
        """The Lightning cluster environment matching the launcher that started this rank."""
        from lightning.fabric.plugins.environments import (
            LightningEnvironment,
            SLURMEnvironment,
            TorchElasticEnvironment,
        )

        if self.launcher == "slurm":
            return SLURMEnvironment(auto_requeue=False)
        if self.launcher == "pytorch" and TorchElasticEnvironment.detect():
            return TorchElasticEnvironment()
        # torch.distributed.launch (no GROUP_RANK) and mpirun: the group is already up, and
        # init_dist exported LOCAL_RANK; LightningEnvironment then sees the processes as
        # external. Lightning derives the global rank as NODE_RANK * devices + LOCAL_RANK.
        os.environ.setdefault("NODE_RANK", str(self.rank // self.local_world_size))
        environment = LightningEnvironment()
        environment.set_world_size(self.world_size)
        environment.set_global_rank(self.rank)
        return environment


def build_strategy(plan: StrategyPlan) -> tuple[Any, dict[str, Any]]:
    """(a new Lightning strategy or None, extra Trainer kwargs): the one place that maps the
    config's ``strategy`` / ``model_wrapper_cfg`` to Lightning."""
    if plan.strategy is not None:
        if plan.distributed and plan.model_wrapper_cfg is not None:
            raise StrategyConfigError(
                "the config sets both `strategy` and `model_wrapper_cfg`; keep one: `strategy` "
                "for a Lightning strategy (ddp, fsdp, deepspeed), `model_wrapper_cfg` for "
                "MMEngine's DDP wrapper options"
            )
        backend = plan.backend if plan.distributed else None
        return strategy_from_config(plan.strategy, process_group_backend=backend)
    if not plan.distributed:
        return None, {}
    wrapper = strategy_from_model_wrapper(
        plan.model_wrapper_cfg, plan.find_unused_parameters, plan.backend
    )
    return wrapper, {}
