"""``BaseTTAModel``: test a model on several augmented views of a batch and merge the results.

A test-time-augmentation pipeline turns each sample into N views; after ``pseudo_collate`` the
batch holds, for every key, a list of N per-view batches (``inputs=[[img1_v1, img2_v1],
[img1_v2, img2_v2]]``). ``test_step`` runs the wrapped model's ``test_step`` once per view and
hands the per-sample groups of predictions to :meth:`BaseTTAModel.merge_preds`, which
subclasses write (average scores, vote, ...). ``PrepareTTAHook`` builds one of these around
``runner.model`` when testing starts.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from mmlight.registry import MODELS

from .base_model import BaseModel
from .errors import ModelTypeError, ModelValueError

__all__ = ["BaseTTAModel"]


class TTAViewCountError(IndexError):
    """A key of the batch has fewer augmented views than the first key (mmengine: IndexError)."""


@MODELS.register_module()
class BaseTTAModel(BaseModel):
    """Wrap a model so that testing runs it on every augmented view and merges the outputs.

    Args:
        module: the model to test, as an ``nn.Module`` or a ``MODELS`` config dict. It must
            have a ``test_step``.
        data_preprocessor: used only when ``module`` is a config dict, where it replaces the
            config's own ``data_preprocessor`` (so a TTA config can set the preprocessing the
            augmented views need). Ignored when ``module`` is already a model.
    """

    module: nn.Module

    def __init__(
        self,
        module: dict | nn.Module,
        data_preprocessor: dict | nn.Module | None = None,
    ) -> None:
        super().__init__()
        if isinstance(module, nn.Module):
            self.module = module
        elif isinstance(module, dict):
            if data_preprocessor is not None:
                # mmengine writes into the caller's dict; keep that so code reading it agrees
                module["data_preprocessor"] = data_preprocessor
            self.module = MODELS.build(module)
        else:
            raise ModelTypeError(
                f"{type(self).__name__}: module should be an nn.Module or a model config dict "
                f"(e.g. dict(type='MyModel')), but got {type(module).__name__}: {module!r}"
            )
        if not hasattr(self.module, "test_step"):
            raise ModelTypeError(
                f"{type(self).__name__}: the wrapped model {type(self.module).__name__} has no "
                "test_step; wrap a model that implements test_step(data) (e.g. a BaseModel "
                "subclass)"
            )

    @abstractmethod
    def merge_preds(self, data_samples_list: list[Sequence[Any]]) -> list:
        """Turn each sample's predictions (one per augmented view) into one prediction.

        ``data_samples_list[i]`` holds sample ``i``'s predictions, in view order. Return one
        merged prediction per sample.
        """

    def test_step(self, data: dict | tuple | list) -> list:
        """Run the wrapped model on each augmented view and return :meth:`merge_preds`."""
        views = _split_views(data, type(self).__name__)
        model: Any = self.module  # any model with a test_step, checked in __init__
        predictions = [model.test_step(view) for view in views]
        # zip(*...) regroups [view][sample] into [sample][view] (tuples, as mmengine passes)
        return self.merge_preds(list(zip(*predictions)))

    def forward(
        self,
        inputs: torch.Tensor,
        data_samples: list | None = None,
        mode: str = "tensor",
    ) -> dict[str, torch.Tensor] | list:
        """Not used: a TTA model only tests, through :meth:`test_step`."""
        raise NotImplementedError(
            f"{type(self).__name__}.forward is not called in training or testing: call "
            "test_step(data) instead, or override forward in your subclass if you need it"
        )


def _split_views(data: Any, owner: str) -> list[Any]:
    """Turn ``{key: [view_0, ..., view_n]}`` (or ``[[v0, ..., vn], ...]``) into one batch per
    view; the first entry decides how many views there are."""
    if isinstance(data, dict):
        if not data:
            raise ModelValueError(
                f"{owner}.test_step: the batch dict is empty; expected keys such as 'inputs' "
                "and 'data_samples', each holding one entry per augmented view"
            )
        first = next(iter(data))
        count = _view_count(data[first], repr(first), owner)
        return [
            {key: _view(value, index, count, repr(key), owner) for key, value in data.items()}
            for index in range(count)
        ]
    if isinstance(data, (tuple, list)):
        if not data:
            raise TTAViewCountError(
                f"{owner}.test_step: the batch is an empty {type(data).__name__}; expected one "
                "entry per field, each holding one entry per augmented view"
            )
        count = _view_count(data[0], "0", owner)
        return [
            [_view(value, index, count, str(pos), owner) for pos, value in enumerate(data)]
            for index in range(count)
        ]
    raise ModelTypeError(
        f"{owner}.test_step: the batch from the dataloader should be a dict, tuple or list "
        f"whose entries hold one batch per augmented view, but got {type(data).__name__}"
    )


def _view_count(value: Any, where: str, owner: str) -> int:
    try:
        return len(value)
    except TypeError:
        raise ModelTypeError(
            f"{owner}.test_step: batch[{where}] should hold one entry per augmented view "
            f"(a list, as a TTA pipeline with pseudo_collate gives), but got "
            f"{type(value).__name__}"
        ) from None


def _view(value: Any, index: int, count: int, where: str, owner: str) -> Any:
    try:
        return value[index]
    except IndexError:
        raise TTAViewCountError(
            f"{owner}.test_step: batch[{where}] has {len(value)} augmented view(s) but the "
            f"first entry has {count}; every entry needs one per view"
        ) from None
    except TypeError:
        raise ModelTypeError(
            f"{owner}.test_step: batch[{where}] should hold one entry per augmented view "
            f"(a list), but got {type(value).__name__}"
        ) from None
