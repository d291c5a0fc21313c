"""Model wrappers from downstream packages, run under Lightning's DDP.

OpenMMLab packages subclass mmengine's ``MMDistributedDataParallel`` to change what one
iteration does (mmagic's and mmdet's wrappers override ``train_step``/``val_step``), and name
the subclass in ``model_wrapper_cfg=dict(type=...)``. Lightning owns the process group and the
wrapping, so mmlight maps mmengine's own wrappers to Lightning strategies
(``mmlight.lightning.dist_strategy.MODEL_WRAPPER_TABLE``); a downstream subclass is not in that
table, and mapping it to a plain ``DDPStrategy`` would drop its ``train_step``.

:class:`DownstreamDDPStrategy` follows ``MMSeparateDDPStrategy``: a ``DDPStrategy`` that leaves
the LightningModule unwrapped and wraps the BaseModel itself in the downstream class, built as
mmengine's Runner builds it (``module=`` the model, the config's other keys, ``device_ids`` of
this process on an accelerator). ``runner.model`` becomes the wrapper, so the loop calls the
wrapper's own ``train_step``/``val_step``/``test_step``, whose forward goes through the DDP
and so all-reduces the gradients, as under mmengine.

The class is adopted (``accepted_types.ADOPTED_TYPES``): :func:`adopt_wrapper_class` turns it
into the builder of that strategy call, which ``dist_strategy`` uses for a type its table lacks.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Generator
from typing import Any

from lightning.pytorch.strategies import DDPStrategy
from torch import nn

from mmlight.lightning.mm_strategies import LightningStrategyCall

__all__ = ["DownstreamDDPStrategy", "adopt_wrapper_class"]

_log = logging.getLogger("mmlight.bridge")

WrapperBuilder = Callable[[dict[str, Any], "str | None", str], LightningStrategyCall]


class DownstreamDDPStrategy(DDPStrategy):
    """Lightning's DDP with the BaseModel wrapped in a downstream ``MMDistributedDataParallel``
    subclass (whose own steps then run).

    Args:
        wrapper_class: the downstream wrapper class.
        wrapper_kwargs: the config's other ``model_wrapper_cfg`` keys, given to the class.
        **kwargs: ``DDPStrategy``'s own arguments (``process_group_backend``, ...).
    """

    strategy_name = "mm_downstream_ddp"

    def __init__(
        self,
        wrapper_class: type[nn.Module],
        wrapper_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.wrapper_class = wrapper_class
        self.wrapper_kwargs = dict(wrapper_kwargs or {})

    # Returns the LightningModule, not a DDP: Lightning then calls its steps directly.
    def _setup_model(self, model: nn.Module) -> nn.Module:  # type: ignore[override]
        """Wrap the BaseModel inside ``model`` (the LightningModule); return ``model``."""
        inner = getattr(model, "model", None)
        if not isinstance(inner, nn.Module):
            raise TypeError(
                f"DownstreamDDPStrategy wraps the `model` attribute of mmlight's "
                f"MMLightningModule; {type(model).__name__} has none"
            )
        if isinstance(inner, self.wrapper_class):
            return model  # a later fit of the same runner: already wrapped
        options = dict(self.wrapper_kwargs)
        options.setdefault("device_ids", self.determine_ddp_device_ids())
        wrapped = self.wrapper_class(module=inner, **options)
        model.model = wrapped
        runner = getattr(model, "_runner", None)
        if runner is not None:
            runner.model = wrapped
        return model

    def _wrapped(self) -> Any:
        return getattr(self.lightning_module, "model", None)

    def _register_ddp_hooks(self) -> None:
        # Lightning registers communication hooks on the DDP it made; here that is the wrapper.
        if self.root_device.type != "cuda":
            return
        if self._ddp_comm_hook is None and self._ddp_comm_wrapper is None:
            return
        from lightning.pytorch.overrides.distributed import _register_ddp_comm_hook

        _register_ddp_comm_hook(
            model=self._wrapped(),
            ddp_comm_state=self._ddp_comm_state,
            ddp_comm_hook=self._ddp_comm_hook,
            ddp_comm_wrapper=self._ddp_comm_wrapper,
        )

    @contextlib.contextmanager
    def block_backward_sync(self) -> Generator[None, None, None]:
        """Gradient accumulation: the wrapper skips its all-reduce."""
        no_sync = getattr(self._wrapped(), "no_sync", None)
        if no_sync is None:
            yield
        else:
            with no_sync():
                yield


def adopt_wrapper_class(wrapper_class: type[nn.Module]) -> WrapperBuilder:
    """The strategy-call builder standing for a downstream ``MMDistributedDataParallel``
    subclass (the signature of ``dist_strategy.MODEL_WRAPPER_TABLE``'s builders)."""

    def build(options: dict[str, Any], backend: str | None, where: str) -> LightningStrategyCall:
        kwargs = dict(options)
        kwargs.pop("module", None)
        if kwargs.pop("device_ids", None) is not None:
            _log.info("%s.device_ids is ignored: Lightning assigns one device per process", where)
        return LightningStrategyCall(
            f"{__name__}.DownstreamDDPStrategy",
            dict(
                process_group_backend=backend,
                wrapper_class=wrapper_class,
                wrapper_kwargs=kwargs,
            ),
        )

    build.__name__ = f"adopt_{wrapper_class.__name__}"
    return build
