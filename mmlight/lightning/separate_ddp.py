"""``MMSeparateDDPStrategy``: Lightning's DDP strategy, one DDP per submodule of the BaseModel.

``model_wrapper_cfg=dict(type='MMSeparateDistributedDataParallel')`` (GANs in mmagic) asks for
each submodule with trainable parameters to be its own DDP, so the generator's step and the
discriminator's step each reduce only their own gradients. Lightning's ``DDPStrategy`` wraps
the whole LightningModule in one DDP; this subclass instead wraps ``pl_module.model`` (the
BaseModel) in :class:`~mmlight.model.MMSeparateDistributedDataParallel` and leaves the
LightningModule unwrapped, so Lightning calls its steps directly and the model's own
``train_step`` drives its submodule DDPs, as under MMEngine. ``runner.model`` becomes the
wrapper, as in MMEngine (hooks and checkpoints unwrap it with ``is_model_wrapper``).

Lightning wraps only when fitting; ``Runner.val()``/``test()`` alone run the bare model, whose
``val_step``/``test_step`` are what the wrapper would call anyway.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import Any

from lightning.pytorch.strategies import DDPStrategy
from torch import nn

__all__ = ["MMSeparateDDPStrategy"]


class MMSeparateDDPStrategy(DDPStrategy):
    """DDP per submodule of the BaseModel; the DDP keyword arguments apply to each one."""

    strategy_name = "mm_separate_ddp"

    # Returns the LightningModule, not a DDP: Lightning then calls its steps directly.
    def _setup_model(self, model: nn.Module) -> nn.Module:  # type: ignore[override]
        """Wrap the BaseModel inside ``model`` (the LightningModule); return ``model``."""
        from mmlight.model import MMSeparateDistributedDataParallel

        inner = getattr(model, "model", None)
        if not isinstance(inner, nn.Module):
            raise TypeError(
                "MMSeparateDDPStrategy wraps the `model` attribute of mmlight's "
                f"MMLightningModule; {type(model).__name__} has none. Use Lightning's "
                "DDPStrategy for other modules"
            )
        if isinstance(inner, MMSeparateDistributedDataParallel):
            return model  # a later fit of the same runner: already wrapped
        options = dict(self._ddp_kwargs)
        options.setdefault("device_ids", self.determine_ddp_device_ids())
        wrapped = MMSeparateDistributedDataParallel(module=inner, **options)
        model.model = wrapped
        runner = getattr(model, "_runner", None)
        if runner is not None:
            runner.model = wrapped
        return model

    def _register_ddp_hooks(self) -> None:
        # Communication hooks belong to one DDP; there are several here.
        if self._ddp_comm_hook is not None or self._ddp_comm_wrapper is not None:
            raise ValueError(
                "MMSeparateDistributedDataParallel wraps each submodule in its own DDP; "
                "ddp_comm_hook/ddp_comm_wrapper are not supported with it"
            )

    @contextlib.contextmanager
    def block_backward_sync(self) -> Generator[None, None, None]:
        """Gradient accumulation: every submodule DDP skips its all-reduce."""
        wrapped: Any = getattr(self.lightning_module, "model", None)
        no_sync = getattr(wrapped, "no_sync", None)
        if no_sync is None:
            yield
        else:
            with no_sync():
                yield
