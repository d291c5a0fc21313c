"""Continue a resumed run exactly where its checkpoint was taken.

MMEngine resumes at the start of the saved epoch and restores no random state, so a resumed run
drifts from the one that was interrupted. Here the training loop's batch source skips the
batches already trained (at the sampler, loading none), and the random state saved with the
checkpoint is restored at the moment that matches the save point: the first resumed batch
(mid-epoch, or iteration-based), or the start of training (at an epoch boundary). Draws the
interrupted run made between saving and its next step (the validation ``DataLoader``'s base
seed) are replayed.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["position_resumed_loop", "restore_pending_rng"]


def position_resumed_loop(runner: Any, loop: Any) -> None:
    """Set the batch source and the pending random state after ``Runner.resume``."""
    from mmlight.runner.loops import IterBasedTrainLoop
    from mmlight.runner.rng_state import restore_rng_state

    state = runner._pending_rng_state
    runner._pending_rng_state = None
    runner._pending_rng = None
    if loop.iter == 0 and loop.epoch == 0:
        return
    iter_based = isinstance(loop, IterBasedTrainLoop)
    if iter_based:
        loop.batch_source.resume_at(loop.iter)
        loop._decide_current_val_interval(loop.iter)
        point = "first_batch"
    else:
        position = loop.iter - loop.epoch * len(loop.dataloader)
        if position == len(loop.dataloader):
            # Saved by iteration at an epoch's last batch: finish that epoch first.
            if state is not None:
                restore_rng_state(state)
            runner.call_hook("after_train_epoch")
            loop._epoch += 1
            position, state = 0, None
            loop._decide_current_val_interval(loop.epoch)
            _replay_validation_draw(runner, loop)
        loop._decide_current_val_interval(loop.epoch)
        loop.batch_source.resume_at(position)
        loop._batch_offset = position
        point = "first_batch" if position else "train_start"
    if state is not None:
        runner._pending_rng = (point, state, point == "train_start" or iter_based)


def restore_pending_rng(runner: Any, point: str) -> None:
    """Apply the pending random state if ``point`` ('train_start', 'first_batch') is its moment."""
    pending = runner._pending_rng
    if pending is None or pending[0] != point:
        return
    runner._pending_rng = None
    from mmlight.runner.rng_state import restore_rng_state

    restore_rng_state(pending[1])
    if pending[2]:
        _replay_validation_draw(runner, runner.train_loop)


def _replay_validation_draw(runner: Any, loop: Any) -> None:
    """The draw ``iter(val_dataloader)`` made after the checkpoint in the original run."""
    if not loop.should_validate():
        return
    if getattr(runner.val_loop.dataloader, "generator", None) is None:
        torch.empty((), dtype=torch.int64).random_()
