"""``MMFSDPStrategy``: Lightning's FSDP strategy, sharding the ``BaseModel`` the MMEngine way.

Lightning's ``FSDPStrategy`` wraps the LightningModule and calls ``training_step`` through the
root FSDP module's forward. A ``BaseModel`` runs backward and the optimizer step inside its
train step, so under that wrapping backward would start inside FSDP's forward, which torch's
FSDP forbids. This strategy instead wraps ``pl_module.model`` (the BaseModel) in
``MMFullyShardedDataParallel``, whose ``train_step`` keeps backward outside the forward, and
leaves the LightningModule unwrapped, so Lightning calls its steps directly. ``runner.model``
becomes the wrapper, as in MMEngine (hooks unwrap it with ``is_model_wrapper``).

On a CPU the wrapper gets ``device_id=torch.device('cpu')`` (torch's FSDP shards and
reduces over gloo then); Lightning's own accelerator check refuses only the exact
``FSDPStrategy`` class on a CPU, so this subclass also runs there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Mapping
from typing import Any

import torch
from lightning.pytorch.strategies import FSDPStrategy
from torch import nn

__all__ = ["MMFSDPStrategy"]


class MMFSDPStrategy(FSDPStrategy):
    """FSDP around the BaseModel; ``wrapper_cfg`` holds ``model_wrapper_cfg``'s arguments.

    ``wrapper_cfg`` takes MMEngine's spelling (``sharding_strategy='FULL_SHARD'``,
    ``auto_wrap_policy`` as a ``FUNCTIONS`` name, ``mixed_precision`` as a dict) and wins over
    the Lightning arguments of the same name. ``activation_checkpointing_kwargs`` are torch's
    ``apply_activation_checkpointing`` arguments (mmengine's ``activation_checkpointing`` with
    its ``check_fn`` resolved); they replace what Lightning's own arguments would give.
    """

    strategy_name = "mm_fsdp"

    def __init__(
        self,
        wrapper_cfg: Mapping[str, Any] | None = None,
        activation_checkpointing_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.wrapper_cfg = dict(wrapper_cfg or {})
        self.wrapper_cfg.pop("type", None)
        self.wrapper_cfg.pop("module", None)
        if activation_checkpointing_kwargs is not None:
            self._activation_checkpointing_kwargs = dict(activation_checkpointing_kwargs)

    def _wrapper_kwargs(self) -> dict[str, Any]:
        root = self.root_device
        kwargs: dict[str, Any] = dict(
            cpu_offload=self.cpu_offload,
            mixed_precision=self.mixed_precision_config,
            sharding_strategy=self.sharding_strategy,
            device_id=torch.device("cpu") if root.type == "cpu" else root.index,
            **self.kwargs,
        )
        kwargs.update(self.wrapper_cfg)
        return kwargs

    def _setup_model(self, model: nn.Module) -> nn.Module:
        """Shard the BaseModel inside ``model`` (the LightningModule) and return ``model``."""
        from lightning.fabric.strategies.fsdp import (
            _move_torchmetrics_to_device,
            _setup_activation_checkpointing,
        )
        from torch.distributed.fsdp import FullyShardedDataParallel

        from mmlight.model import MMFullyShardedDataParallel

        inner = getattr(model, "model", None)
        if not isinstance(inner, nn.Module):
            raise TypeError(
                f"MMFSDPStrategy shards the `model` attribute of mmlight's MMLightningModule; "
                f"{type(model).__name__} has none. Use Lightning's FSDPStrategy for other modules"
            )
        if not isinstance(inner, FullyShardedDataParallel):
            runner = getattr(model, "_runner", None)
            before = _unsharded_optimizers(runner, inner)
            wrapped = MMFullyShardedDataParallel(module=inner, **self._wrapper_kwargs())
            model.model = wrapped
            if runner is not None:
                runner.model = wrapped
                _rebuild_stale_optimizers(runner, wrapped)
                _restore_optimizer_states(runner, wrapped, before)
        _move_torchmetrics_to_device(model, self.root_device)
        sharded: Any = model.model
        _setup_activation_checkpointing(sharded, self._activation_checkpointing_kwargs)
        return model

    def setup_optimizers(self, trainer: Any) -> None:
        # The LightningModule's optimizers hold the BaseModel's parameters (as the wrapper
        # exposes them with use_orig_params=True, or rebuilt over its flat parameters);
        # Lightning's check for flat parameters on the root module does not apply.
        self._reset_optimizers_and_schedulers()
        super(FSDPStrategy, self).setup_optimizers(trainer)

    @contextlib.contextmanager
    def block_backward_sync(self) -> Generator[None, None, None]:
        """Gradient accumulation: FSDP's ``no_sync`` skips the reduce-scatter."""
        wrapped = getattr(self.lightning_module, "model", None)
        no_sync = getattr(wrapped, "no_sync", None)
        if no_sync is None:
            yield
        else:
            with no_sync():
                yield


def _built_optimizers(runner: Any) -> list[Any]:
    """The OptimWrappers of a training run (none before ``build_optim_wrapper`` ran)."""
    from mmlight.lightning.module import iter_optim_wrappers

    optim_wrapper = getattr(runner, "optim_wrapper", None)
    if optim_wrapper is None or isinstance(optim_wrapper, Mapping):
        return []
    return [optim for optim in iter_optim_wrappers(optim_wrapper)
            if isinstance(getattr(optim, "optimizer", None), torch.optim.Optimizer)]


def _unsharded_optimizers(runner: Any, inner: nn.Module) -> list[Any]:
    """Each optimizer's parameter names (and a resumed full state) while still unsharded."""
    from mmlight.lightning.fsdp_optim_state import unsharded_optim_state

    return [unsharded_optim_state(inner, optim.optimizer) for optim in _built_optimizers(runner)]


def _restore_optimizer_states(runner: Any, wrapped: nn.Module, before: list[Any]) -> None:
    """Shard what the optimizers held before sharding (a resumed checkpoint's full state)."""
    from mmlight.lightning.fsdp_optim_state import restore_after_sharding

    for optim, unsharded in zip(_built_optimizers(runner), before):
        restore_after_sharding(wrapped, optim.optimizer, unsharded)


def _params_of(module: nn.Module) -> set[int]:
    return {id(p) for p in module.parameters()}


def _rebuild_stale_optimizers(runner: Any, wrapped: nn.Module) -> None:
    """Point optimizers built before sharding at the parameters the wrapper trains.

    With ``use_orig_params=True`` (the default) torch's FSDP keeps the original parameter
    objects, so nothing changes. With ``use_orig_params=False`` the module trains flat
    parameters instead; an optimizer over a single parameter group is then rebuilt over them,
    with the group's settings (lr, initial_lr set by schedulers, ...) carried over. The
    OptimWrapper keeps its identity, so param schedulers bound to it stay bound.
    """
    current = _params_of(wrapped)
    for optim in _built_optimizers(runner):  # none in ``Runner.val``/``test`` under FSDP
        optimizer = optim.optimizer
        held = {id(p) for group in optimizer.param_groups for p in group["params"]}
        if held <= current:
            continue
        if len(optimizer.param_groups) != 1:
            raise ValueError(
                "MMFullyShardedDataParallel(use_orig_params=False) replaces the model's "
                "parameters with flat ones, so an optimizer with several parameter groups "
                "(paramwise_cfg) cannot follow them; set model_wrapper_cfg.use_orig_params=True"
            )
        settings = {k: v for k, v in optimizer.param_groups[0].items() if k != "params"}
        rebuilt = type(optimizer)(
            [p for p in wrapped.parameters() if p.requires_grad], **optimizer.defaults
        )
        rebuilt.param_groups[0].update(settings)
        optim.optimizer = rebuilt
