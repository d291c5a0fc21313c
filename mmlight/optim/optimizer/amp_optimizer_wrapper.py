"""``AmpOptimWrapper``: automatic mixed precision on top of :class:`OptimWrapper`.

mmengine semantics on CUDA: the forward pass runs under ``torch.autocast`` (inside
``optim_context``), the loss is scaled by a ``torch.amp.GradScaler`` (``ShardedGradScaler`` with
FSDP), gradients are unscaled before clipping, and ``scaler.step``/``scaler.update`` replace
``optimizer.step``. Beyond mmengine: bfloat16 needs no loss scaling, so no scaler is made for it,
and on a CPU-only machine ``dtype='bfloat16'`` (or None) runs with CPU autocast instead of being
refused.

Under Lightning, bind a stepper whose ``handles_precision`` is True: the precision plugin
(``mmlight.lightning.precision``) then scales the loss with this wrapper's scaler, while the
wrapper keeps autocasting its forward inside ``optim_context``, as MMEngine does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mmlight.optim.errors import OptimRuntimeError, OptimTypeError, OptimValueError
from mmlight.optim.optimizer.optimizer_wrapper import OptimWrapper
from mmlight.optim.optimizer.stepper import OptimStepper
from mmlight.registry import OPTIM_WRAPPERS

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["AmpOptimWrapper"]


def _resolve_dtype(dtype: Any, valid: tuple[str, ...]) -> torch.dtype | None:
    import torch

    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str):
        if dtype not in valid:
            raise OptimValueError(
                f"AmpOptimWrapper dtype should be one of {', '.join(map(repr, valid))} or a "
                f"torch.dtype, but got {dtype!r}"
            )
        resolved: torch.dtype = getattr(torch, dtype)
        return resolved
    raise OptimTypeError(
        f"AmpOptimWrapper dtype should be None, a str or a torch.dtype, but got "
        f"{type(dtype).__name__}: {dtype!r}"
    )


def _pin_scale(scaler: Any, scale: float) -> None:
    """A static ``loss_scale``: every ``update()`` resets the scale, whoever calls it (this
    wrapper passes the value; Lightning's precision plugin calls ``update()`` bare)."""
    update = scaler.update

    def update_to_static(new_scale: Any = None) -> None:
        update(scale if new_scale is None else new_scale)

    scaler.update = update_to_static


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(OptimWrapper):
    """Mixed-precision optimizer wrapper.

    Args:
        loss_scale: ``'dynamic'`` (a default ``GradScaler``), a number (static scale: the
            scaler starts there and is reset to it after every step) or a dict of
            ``GradScaler`` arguments.
        dtype: autocast dtype: ``'float16'``, ``'bfloat16'``, ``'float32'``, ``'float64'``, a
            ``torch.dtype`` or None (CUDA's autocast default, float16; bfloat16 on CPU).
        use_fsdp: use FSDP's ``ShardedGradScaler``.
        **kwargs: arguments of :class:`OptimWrapper` (``optimizer``, ``accumulative_counts``,
            ``clip_grad``).
    """

    valid_dtypes = ("float16", "bfloat16", "float32", "float64")

    def __init__(
        self,
        loss_scale: str | float | dict[str, Any] = "dynamic",
        dtype: str | torch.dtype | None = None,
        use_fsdp: bool = False,
        **kwargs: Any,
    ) -> None:
        import torch

        self._device_type = "cuda" if torch.cuda.is_available() else "cpu"
        cast_dtype = _resolve_dtype(dtype, self.valid_dtypes)
        if self._device_type == "cpu":
            if cast_dtype is None:
                cast_dtype = torch.bfloat16
            elif cast_dtype != torch.bfloat16:
                raise OptimRuntimeError(
                    f"AmpOptimWrapper(dtype={dtype!r}) needs a CUDA GPU and none is available: "
                    "on CPU, use dtype='bfloat16' (CPU autocast), or train on a GPU (or use "
                    "OptimWrapper for full precision)"
                )
        super().__init__(**kwargs)
        self.loss_scale = loss_scale
        self.use_fsdp = use_fsdp
        self.cast_dtype: torch.dtype | None = cast_dtype
        # Static scale: the scaler is reset to this value after every step (mmengine's name).
        self._scale_update_param: float | None = None
        scaler_kwargs = self._scaler_kwargs(loss_scale)
        self.loss_scaler: Any = None
        if self._device_type == "cuda" and cast_dtype != torch.bfloat16:
            self.loss_scaler = self._make_scaler(use_fsdp, scaler_kwargs)
            if self._scale_update_param is not None:
                _pin_scale(self.loss_scaler, self._scale_update_param)

    def _scaler_kwargs(self, loss_scale: Any) -> dict[str, Any]:
        if loss_scale == "dynamic":
            return {}
        if isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
            self._scale_update_param = float(loss_scale)
            return {"init_scale": float(loss_scale)}
        if isinstance(loss_scale, dict):
            return dict(loss_scale)
        raise OptimTypeError(
            "loss_scale must be 'dynamic', a number (a static scale such as 512.0) or a dict "
            f"of GradScaler arguments, but got {type(loss_scale).__name__}: {loss_scale!r}"
        )

    @staticmethod
    def _make_scaler(use_fsdp: bool, kwargs: dict[str, Any]) -> Any:
        if use_fsdp:
            from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler

            return ShardedGradScaler("cuda", **kwargs)
        from torch.amp import GradScaler

        return GradScaler("cuda", **kwargs)

    # ------------------------------------------------------------------ stepper
    def bind_stepper(self, stepper: OptimStepper | None) -> None:
        """As :meth:`OptimWrapper.bind_stepper`; a stepper must handle precision while the
        wrapper owns a GradScaler, as only the scaler's ``step`` can skip overflowing steps."""
        if (
            stepper is not None
            and self.loss_scaler is not None
            and not bool(getattr(stepper, "handles_precision", False))
        ):
            raise OptimRuntimeError(
                f"{type(self).__name__} with dtype={self.cast_dtype} scales the loss with a "
                f"GradScaler, so the stepper {type(stepper).__name__} must handle precision "
                "(handles_precision=True, e.g. Lightning's '16-mixed' precision plugin)"
            )
        super().bind_stepper(stepper)

    # ------------------------------------------------------------------ training step
    def _backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        if self.loss_scaler is None:
            loss.backward(**kwargs)
        else:
            self.loss_scaler.scale(loss).backward(**kwargs)

    def _step(self, **kwargs: Any) -> None:
        if self.loss_scaler is None:
            super()._step(**kwargs)
            return
        if self.clip_grad_kwargs:
            self.loss_scaler.unscale_(self.optimizer)
            self.clip_grads()
        self.loss_scaler.step(self.optimizer, **kwargs)
        self.loss_scaler.update(self._scale_update_param)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """``no_sync`` while accumulating, and autocast: the forward and loss only, as MMEngine
        (Lightning's precision plugin scales the loss but does not autocast for this wrapper)."""
        with super().optim_context(model), self._autocast():
            yield

    def _autocast(self) -> Any:
        import torch

        dtype = self.cast_dtype
        if self._device_type == "cuda":
            if dtype is None:
                dtype = torch.get_autocast_dtype("cuda")
            if dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
                raise OptimRuntimeError(
                    "This CUDA device does not support bfloat16; use dtype='float16'."
                )
        return torch.autocast(
            device_type=self._device_type,
            dtype=dtype,
            cache_enabled=torch.is_autocast_cache_enabled(),
        )

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The optimizer state, plus ``'loss_scaler'`` when a GradScaler is in use."""
        state = super().state_dict()
        if self.loss_scaler is not None:
            state["loss_scaler"] = self.loss_scaler.state_dict()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load optimizer (and scaler) state; a ``'loss_scaler'`` entry without a scaler here
        (bfloat16, or a checkpoint from an fp16 run) is ignored."""
        state = dict(state_dict)
        scaler_state = state.pop("loss_scaler", None)
        if scaler_state is not None and self.loss_scaler is not None:
            self.loss_scaler.load_state_dict(scaler_state)
        super().load_state_dict(state)
