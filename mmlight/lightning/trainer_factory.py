"""Builds the ``lightning.Trainer`` that runs a Runner's stage.

Every MMEngine -> Lightning mapping lives in ``TRAINER_MAPPING``; ``build_trainer`` applies it.
Lightning features that MMEngine replaces with its own hooks (checkpointing, logging, progress
bar, sanity validation, distributed sampler) are switched off so the two never both act.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import lightning.pytorch as pl

    from mmlight.runner.runner import Runner

__all__ = ["TRAINER_MAPPING", "build_trainer"]

# MMEngine concept -> Trainer argument it decides, and why.
TRAINER_MAPPING: dict[str, str] = {
    "launcher='none'": "devices=1 (MMEngine trains on one device without a launcher)",
    "device (get_device)": "accelerator='auto' (cuda when available, else cpu)",
    "CheckpointHook": "enable_checkpointing=False (the hook writes MMEngine checkpoints)",
    "LoggerHook": "logger=False, enable_progress_bar=False (the hook logs)",
    "no sanity check in MMEngine": "num_sanity_val_steps=0",
    "DefaultSampler/InfiniteSampler shard by rank": "use_distributed_sampler=False",
    "ValLoop uses torch.no_grad": "inference_mode=False",
    "EpochBasedTrainLoop.max_epochs": "max_epochs",
    "IterBasedTrainLoop.max_iters": "max_epochs=1, limit_train_batches=max_iters - iter",
    "val_begin/val_interval/dynamic_intervals": (
        "check_val_every_n_epoch=None, val_check_interval=1; HookDispatcher sets "
        "trainer.val_check_batch per iteration"
    ),
    "model summary is logged by MMEngine hooks": "enable_model_summary=False",
    "work_dir": "default_root_dir",
}


def _quiet_lightning_info() -> None:
    """Lightning prints device summaries at INFO; MMEngine users expect their own log only."""
    for name in ("lightning.pytorch.utilities.rank_zero", "lightning.pytorch.accelerators.cuda"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # The module always defines validation_step; a run without validation is normal here.
    warnings.filterwarnings(
        "ignore", message=r".*defined a `validation_step` but have no `val_dataloader`"
    )


def build_trainer(runner: Runner, stage: str, **overrides: Any) -> pl.Trainer:
    """A Trainer for ``stage`` ('fit', 'validate' or 'test') of ``runner``."""
    import lightning.pytorch as pl

    from mmlight.lightning.hook_dispatcher import HookDispatcher
    from mmlight.lightning.precision import precision_trainer_kwargs
    from mmlight.lightning.progress import progress_trainer_kwargs
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
    )
    # Each contributor owns a concern; later ones win: launcher/strategy, precision, progress.
    contributions = [runner._dist.trainer_kwargs, progress_trainer_kwargs(runner)]
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
            kwargs.update(max_epochs=1, limit_train_batches=loop.max_iters - loop.iter)
        else:
            kwargs.update(max_epochs=loop.max_epochs)
    # The config's ``trainer`` dict and CLI flags have the last word; their callbacks run after
    # the dispatcher, which must stay first so MMEngine hooks fire before native callbacks.
    user = {**runner.trainer_kwargs, **overrides}
    callbacks = [HookDispatcher(runner), *_as_list(user.pop("callbacks", None))]
    plugins.extend(_as_list(user.pop("plugins", None)))
    if plugins:
        kwargs["plugins"] = plugins
    kwargs.update(user)
    trainer = pl.Trainer(callbacks=callbacks, **kwargs)
    runner._trainer = trainer
    return trainer


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
