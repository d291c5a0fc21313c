"""mmlight's progress bar: what its metrics column shows, and when it is (not) added."""

from __future__ import annotations

from types import SimpleNamespace

from lightning.pytorch.callbacks import RichProgressBar, TQDMProgressBar

from mmlight.lightning.progress import progress_bar_for
from mmlight.lightning.progress_bar import MMEngineProgressBar, bar_metrics
from mmlight.logging import MessageHub


def test_metrics_are_losses_then_lr_then_the_last_validation() -> None:
    hub = MessageHub.get_instance("progress-bar-metrics")
    hub.update_scalar("train/lr", 0.02)
    hub.update_scalar("train/time", 0.3)
    hub.update_scalar("train/data_time", 0.01)
    hub.update_scalar("train/loss", 1.23456)
    hub.update_scalar("train/loss_cls", 0.5)
    hub.update_scalar("train/loss", 0.98765)  # the latest value, not the mean
    hub.update_scalar("val/accuracy/top1", 87.5)
    hub.update_scalar("val/time", 0.2)
    assert bar_metrics(hub) == {
        "loss": "0.9877", "loss_cls": "0.5", "lr": "0.02", "val/accuracy/top1": "87.5",
    }


def test_bar_is_added_only_when_on_and_not_brought_by_the_user() -> None:
    runner = SimpleNamespace()
    (bar,) = progress_bar_for(runner, True, [])
    assert isinstance(bar, MMEngineProgressBar)
    assert progress_bar_for(runner, False, []) == []
    assert progress_bar_for(runner, True, [RichProgressBar()]) == []
    assert progress_bar_for(runner, True, [TQDMProgressBar()]) == []
