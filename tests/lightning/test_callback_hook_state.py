"""A checkpoint's Lightning callback state cannot name files for a callback to delete.

ModelCheckpoint deletes its previous best, k-th best and last files; their paths come from
the resumed checkpoint's ``callbacks`` entry. Lightning checks ``dirpath in
Path(previous).parents``, which 'dirpath/../victim' passes. CallbackHook restores only paths
under the callback's dirpath.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from mmlight.lightning.callback_hook import CallbackHook


def _restore(callback: ModelCheckpoint, state: dict[str, Any]) -> None:
    runner = SimpleNamespace(_trainer=None, _lightning_module=lambda: None)
    checkpoint = {"callbacks": {callback.state_key: state}}
    CallbackHook(callback).after_load_checkpoint(runner, checkpoint)


def test_paths_outside_dirpath_are_not_restored(tmp_path: Path) -> None:
    dirpath = tmp_path / "ckpts"
    callback = ModelCheckpoint(dirpath=str(dirpath), save_top_k=1, monitor="acc")
    escape = f"{dirpath}/../victim.txt"
    own = f"{dirpath}/epoch=1.ckpt"
    # Lightning's own guard would delete the escaping path:
    trainer = SimpleNamespace(ckpt_path=None)
    assert callback._should_remove_checkpoint(trainer, escape, own)  # type: ignore[arg-type]

    state = dict(
        monitor="acc", best_model_score=torch.tensor(0.5), best_model_path=own,
        current_score=None, dirpath=str(dirpath), kth_best_model_path=escape,
        kth_value=torch.tensor(0.5), last_model_path="/etc/hostname",
        best_k_models={escape: torch.tensor(0.5), own: torch.tensor(0.4)},
    )
    with pytest.warns(UserWarning, match=r"names files outside its dirpath .*victim\.txt"):
        _restore(callback, state)
    assert callback.kth_best_model_path == ""
    assert callback.last_model_path == ""
    assert list(callback.best_k_models) == [own]  # its own files still restore
    assert callback.best_model_path == own


def test_unknown_dirpath_restores_no_paths(tmp_path: Path) -> None:
    """Before setup() a ModelCheckpoint without dirpath has none: nothing can be confined."""
    callback = ModelCheckpoint(monitor="acc")
    victim = str(tmp_path / "victim.txt")
    state = dict(monitor="acc", best_model_score=None, best_model_path=victim,
                 current_score=None, kth_best_model_path=victim, kth_value=None,
                 last_model_path=victim, best_k_models={victim: torch.tensor(1.0)})
    with pytest.warns(UserWarning, match="are not restored"):
        _restore(callback, state)
    assert callback.best_model_path == "" and callback.best_k_models == {}
