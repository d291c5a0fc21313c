"""The 22 mount points: the moments at which the runner calls its hooks.

This is the event vocabulary shared by :class:`~mmlight.hooks.Hook` (one method per name) and
the Lightning callback that dispatches to hooks (one call site per name). Keeping it in one tuple
lets a test check that the two match one to one.
"""

from __future__ import annotations

__all__ = ["MOUNT_POINTS"]

MOUNT_POINTS: tuple[str, ...] = (
    "before_run",
    "after_load_checkpoint",
    "before_train",
    "before_train_epoch",
    "before_train_iter",
    "after_train_iter",
    "after_train_epoch",
    "before_val",
    "before_val_epoch",
    "before_val_iter",
    "after_val_iter",
    "after_val_epoch",
    "after_val",
    "before_save_checkpoint",
    "after_train",
    "before_test",
    "before_test_epoch",
    "before_test_iter",
    "after_test_iter",
    "after_test_epoch",
    "after_test",
    "after_run",
)
"""Mount point names, in the order of mmengine's ``Hook.stages``.

Where each fires (``runner.epoch`` and ``runner.iter`` are 0-based and advance only *after* the
``after_train_*`` call of the epoch or iteration they count):

Run level (``Runner.train()``, ``.val()`` and ``.test()`` each make one run):

- ``before_run(runner)``: first of all, before weights are initialised and before any
  checkpoint is loaded or resumed.
- ``after_load_checkpoint(runner, checkpoint)``: inside ``load_checkpoint``/``resume``, after the
  file is read and before its weights reach the model; hooks may edit ``checkpoint`` in place.
- ``after_run(runner)``: last of all, after the train, val or test loop has finished.

Training loop:

- ``before_train(runner)``: once, when the train loop starts (after a resume has restored
  ``epoch``/``iter``).
- ``before_train_epoch(runner)``: at the start of every epoch; once in total for an
  iteration-based loop.
- ``before_train_iter(runner, batch_idx, data_batch)``: after a batch is fetched, before
  ``model.train_step``. ``batch_idx`` is the index in the epoch (the global iteration for an
  iteration-based loop).
- ``after_train_iter(runner, batch_idx, data_batch, outputs)``: after ``model.train_step``;
  ``outputs`` is its dict of log variables.
- ``after_train_epoch(runner)``: after the last iteration of an epoch and *before* that epoch's
  validation; once in total, at the very end, for an iteration-based loop.
- ``after_train(runner)``: once, when the train loop ends.

Validation loop (run by the train loop every ``val_interval``, or alone by ``Runner.val()``):

- ``before_val(runner)``, ``before_val_epoch(runner)``: at the start of the loop.
- ``before_val_iter(runner, batch_idx, data_batch)``: before ``model.val_step``.
- ``after_val_iter(runner, batch_idx, data_batch, outputs)``: after ``model.val_step`` and the
  evaluator's ``process``; ``outputs`` is the sequence of predictions.
- ``after_val_epoch(runner, metrics)``: after the evaluator computed ``metrics`` (a dict).
- ``after_val(runner)``: at the end of the loop.

Test loop (``Runner.test()``): ``before_test``, ``before_test_epoch``, ``before_test_iter``,
``after_test_iter``, ``after_test_epoch(runner, metrics)``, ``after_test``, fired like their val
counterparts.

Checkpointing:

- ``before_save_checkpoint(runner, checkpoint)``: inside ``Runner.save_checkpoint``, on the main
  process only, after the checkpoint dict is assembled and before it is written; hooks may add
  or change entries.
"""
