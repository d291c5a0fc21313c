"""Builds the ``lightning.Trainer`` that runs a Runner's stage.

Every MMEngine -> Lightning mapping lives in ``TRAINER_MAPPING``; ``build_trainer`` applies it.
Its model-wrapper and strategy rows come from the tables the strategy code runs
(``MODEL_WRAPPER_TABLE``, ``STRATEGY_TABLE``), so the two cannot drift apart.
Lightning features that MMEngine replaces with its own hooks (checkpointing, logging, progress
bar, sanity validation, distributed sampler) are switched off so the two never both act.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from typing import TYPE_CHECKING, Any

from lightning.pytorch.profilers import PassThroughProfiler

from mmlight.lightning.dist_strategy import MODEL_WRAPPER_TABLE, STRATEGY_TABLE

if TYPE_CHECKING:
    import lightning.pytorch as pl

    from mmlight.runner.runner import Runner

__all__ = ["TRAINER_MAPPING", "build_trainer"]

# MMEngine concept -> Trainer argument it decides, and why.
TRAINER_MAPPING: dict[str, str] = {
    "launcher='none'": "devices=1 (MMEngine trains on one device without a launcher)",
    "device (get_device)": "accelerator='auto' (cuda when available, else cpu)",
    "CheckpointHook": "enable_checkpointing=False (the hook writes MMEngine checkpoints)",
    "LoggerHook": "logger=False (the hook logs; cfg.trainer may add Lightning loggers)",
    "a terminal (not in MMEngine)": (
        "enable_progress_bar on a TTY unless MMLIGHT_PROGRESS=0 (mmlight.lightning.progress)"
    ),
    "no sanity check in MMEngine": "num_sanity_val_steps=0",
    "DefaultSampler/InfiniteSampler shard by rank": "use_distributed_sampler=False",
    "ValLoop uses torch.no_grad": "inference_mode=False",
    "EpochBasedTrainLoop.max_epochs": "max_epochs=max_epochs - epoch (after a resume)",
    "IterBasedTrainLoop.max_iters": "max_epochs=1, limit_train_batches=max_iters - iter",
    "batches fetched inside the iteration": (
        "the Trainer iterates placeholder tokens; training_step fetches the real batch "
        "(mmlight.runner.batch_source)"
    ),
    "val_begin/val_interval/dynamic_intervals": (
        "check_val_every_n_epoch=None, val_check_interval=1; HookDispatcher sets "
        "trainer.val_check_batch per iteration"
    ),
    "model summary is logged by MMEngine hooks": "enable_model_summary=False",
    "work_dir": "default_root_dir",
    "MMEngine's loop does only MMEngine's work per batch": (
        "trainer.fit_loop.epoch_loop=MMTrainingEpochLoop (Lightning's, minus no-op hooks, "
        "signature inspection and an empty logger connector; mmlight.lightning.epoch_loop)"
    ),
    "no Lightning profiling unless asked": "profiler=a no-op profiler (cheaper than the default)",
    "launcher + no model_wrapper_cfg": (
        "strategy=DDPStrategy(broadcast_buffers=False, find_unused_parameters=cfg value)"
    ),
    **{
        f"model_wrapper_cfg=dict(type={name!r})": lightning
        for name, (lightning, _) in MODEL_WRAPPER_TABLE.items()
    },
    "model_wrapper_cfg=dict(type=<a package's MMDistributedDataParallel subclass>)": (
        "mmlight.bridge.model_wrapper.DownstreamDDPStrategy (a DDPStrategy wrapping the "
        "BaseModel in that class, so its own train_step runs)"
    ),
    **{
        f"strategy=dict(type={name!r})": row.lightning
        for name, row in STRATEGY_TABLE.items()
    },
}


def _quiet_lightning_info() -> None:
    """Lightning prints device summaries at INFO; MMEngine users expect their own log only."""
    for name in ("lightning.pytorch.utilities.rank_zero", "lightning.pytorch.accelerators.cuda"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # The module always defines validation_step; a run without validation is normal here.
    warnings.filterwarnings(
        "ignore", message=r".*defined a `validation_step` but have no `val_dataloader`"
    )
    # Raised inside Lightning's own pytree helper under recent torch; nothing a user can act on.
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")


def build_trainer(runner: Runner, stage: str, **overrides: Any) -> pl.Trainer:
    """A Trainer for ``stage`` ('fit', 'validate' or 'test') of ``runner``."""
    import lightning.pytorch as pl

    from mmlight.lightning.hook_dispatcher import HookDispatcher
    from mmlight.lightning.per_trainer import fresh_for_trainer
    from mmlight.lightning.precision import precision_trainer_kwargs
    from mmlight.lightning.progress import progress_bar_for, progress_trainer_kwargs
    from mmlight.runner.loops import IterBasedTrainLoop

    _quiet_lightning_info()
    kwargs: dict[str, Any] = dict(
        enable_checkpointing=False,
        logger=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        use_distributed_sampler=False,
        inference_mode=False,
        default_root_dir=runner.work_dir,
        profiler=_NoProfiler(),
    )
    # Each contributor owns a concern; later ones win: launcher/strategy, precision, progress.
    # Every call builds new strategy/plugin objects: a Trainer binds them to itself.
    contributions = [runner._dist.trainer_kwargs(), progress_trainer_kwargs(runner)]
    if stage == "fit":
        contributions.append(precision_trainer_kwargs(runner.optim_wrapper))
    plugins: list[Any] = []
    for contribution in contributions:
        contribution = dict(contribution)
        plugins.extend(_as_list(contribution.pop("plugins", None)))
        kwargs.update(contribution)
    if stage == "fit":
        loop = runner.train_loop
        kwargs.update(check_val_every_n_epoch=None, val_check_interval=1)
        if isinstance(loop, IterBasedTrainLoop):
            kwargs.update(max_epochs=1, limit_train_batches=max(loop.max_iters - loop.iter, 0))
        else:
            # Never negative: Lightning reads max_epochs=-1 as "train forever" (a run resumed
            # past its max_epochs must train nothing, as MMEngine's loop does).
            kwargs.update(max_epochs=max(loop.max_epochs - loop.epoch, 0))
    # The config's ``trainer`` dict and CLI flags have the last word; their callbacks run after
    # the dispatcher, which must stay first so MMEngine hooks fire before native callbacks.
    user = {key: build_trainer_objects(fresh_for_trainer(key, value)) for key, value in
            {**runner.trainer_kwargs, **overrides}.items()}
    callbacks = [HookDispatcher(runner), *_as_list(user.pop("callbacks", None))]
    plugins.extend(_as_list(user.pop("plugins", None)))
    if plugins:
        kwargs["plugins"] = plugins
    kwargs.update(user)
    callbacks += progress_bar_for(runner, kwargs.get("enable_progress_bar", True), callbacks)
    trainer = pl.Trainer(callbacks=callbacks, **kwargs)
    if stage == "fit":
        from mmlight.lightning.compat import install_epoch_loop
        from mmlight.lightning.epoch_loop import MMTrainingEpochLoop

        install_epoch_loop(trainer, MMTrainingEpochLoop)
    runner._trainer = trainer
    return trainer


def build_trainer_objects(value: Any) -> Any:
    """``dict(type='lightning.pytorch.loggers.CSVLogger', ...)`` in ``cfg.trainer`` (loggers,
    callbacks, plugins, profiler): built here, so a config keeps plain, dumpable data."""
    if isinstance(value, (list, tuple)):
        return [build_trainer_objects(item) for item in value]
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        from mmlight.utils import get_object_from_string

        kwargs = dict(value)
        type_name = kwargs.pop("type")
        cls = get_object_from_string(type_name)
        if cls is None:
            raise ValueError(
                f"trainer: cannot import {type_name!r}; give a dotted path such as "
                "'lightning.pytorch.loggers.CSVLogger'"
            )
        return cls(**{k: build_trainer_objects(v) for k, v in kwargs.items()})
    return value


class _NoProfiler(PassThroughProfiler):
    """Lightning's default ``PassThroughProfiler`` still enters a generator context manager
    around every hook call (dozens per iteration); this one hands back one shared no-op
    context. ``cfg.trainer.profiler`` replaces it when a Lightning profiler is wanted
    (``ProfilerHook`` profiles with ``torch.profiler`` on its own)."""

    _context = contextlib.nullcontext()

    def profile(self, action_name: str) -> Any:
        return self._context


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
