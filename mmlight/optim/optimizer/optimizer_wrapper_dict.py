"""``OptimWrapperDict``: several named optimizer wrappers (GANs, multi-optimizer models).

It stands where the runner expects one wrapper: checkpoints, ``get_lr``/``get_momentum`` logging
and ``zero_grad`` act on every member. Backward and step do not, because only the model knows
which loss belongs to which optimizer: its ``train_step`` calls them on ``wrappers[name]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mmlight.optim.errors import OptimKeyError, OptimTypeError
from mmlight.optim.optimizer.optimizer_wrapper import OptimWrapper
from mmlight.optim.optimizer.stepper import OptimStepper

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["OptimWrapperDict"]


def _per_wrapper(method: str) -> str:
    return (
        f"`{method}` should be called by each optimizer separately: OptimWrapperDict.{method} "
        f"is ambiguous, call it on the wrapper of one optimizer, e.g. "
        f"optim_wrapper['generator'].{method}(...)"
    )


class OptimWrapperDict(OptimWrapper):
    """A dict-like container of :class:`OptimWrapper` objects keyed by name."""

    def __init__(self, **optim_wrapper_dict: OptimWrapper) -> None:
        # Deliberately no super().__init__: there is no single optimizer here.
        for key, value in optim_wrapper_dict.items():
            if not isinstance(value, OptimWrapper):
                raise OptimTypeError(
                    f"`OptimWrapperDict` only accept OptimWrapper instance: OptimWrapperDict "
                    f"only accepts OptimWrapper instances, but got {key}={type(value).__name__}"
                )
        self.optim_wrappers: dict[str, OptimWrapper] = optim_wrapper_dict

    # ------------------------------------------------------------------ not meaningful here
    def update_params(
        self,
        loss: torch.Tensor,
        step_kwargs: dict[str, Any] | None = None,
        zero_kwargs: dict[str, Any] | None = None,
    ) -> None:
        raise NotImplementedError(_per_wrapper("update_params"))

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        raise NotImplementedError(_per_wrapper("backward"))

    def step(self, **kwargs: Any) -> None:
        raise NotImplementedError(_per_wrapper("step"))

    def optim_context(self, model: nn.Module) -> Any:
        raise NotImplementedError(_per_wrapper("optim_context"))

    def bind_stepper(self, stepper: OptimStepper | None) -> None:
        raise NotImplementedError(_per_wrapper("bind_stepper"))

    # ------------------------------------------------------------------ applies to all
    def zero_grad(self, **kwargs: Any) -> None:
        for wrapper in self.optim_wrappers.values():
            wrapper.zero_grad(**kwargs)

    def initialize_count_status(self, model: nn.Module, init_counts: int, max_counts: int) -> None:
        """No-op: which model part each wrapper drives is unknown; call it per wrapper."""

    @property
    def param_groups(self) -> dict[str, list[dict[str, Any]]]:  # type: ignore[override]
        return {name: wrapper.param_groups for name, wrapper in self.optim_wrappers.items()}

    def get_lr(self) -> dict[str, list[float]]:
        """``{'<name>.lr': [...]}`` (and ``'<name>.base_lr'``) for every wrapper."""
        result: dict[str, list[float]] = {}
        for name, wrapper in self.optim_wrappers.items():
            lrs = wrapper.get_lr()
            if "base_lr" in lrs:
                result[f"{name}.base_lr"] = lrs["base_lr"]
            result[f"{name}.lr"] = lrs["lr"]
        return result

    def get_momentum(self) -> dict[str, list[float]]:
        return {
            f"{name}.momentum": wrapper.get_momentum()["momentum"]
            for name, wrapper in self.optim_wrappers.items()
        }

    def state_dict(self) -> dict[str, Any]:
        return {name: wrapper.state_dict() for name, wrapper in self.optim_wrappers.items()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for name, state in state_dict.items():
            self._wrapper(name, "the state dict to load has").load_state_dict(state)

    # ------------------------------------------------------------------ mapping protocol
    def _wrapper(self, key: str, context: str) -> OptimWrapper:
        if key not in self.optim_wrappers:
            from mmlight.registry.errors import closest_names, did_you_mean

            hint = did_you_mean(closest_names(key, self.optim_wrappers))
            raise OptimKeyError(
                f"{context} {key!r}, which is not in this OptimWrapperDict (names: "
                f"{', '.join(map(repr, self.optim_wrappers)) or 'none'})"
                + (f"; {hint}" if hint else "")
                + ". Check the optimizer wrapper constructor."
            )
        return self.optim_wrappers[key]

    def items(self) -> Iterator[tuple[str, OptimWrapper]]:
        yield from self.optim_wrappers.items()

    def values(self) -> Iterator[OptimWrapper]:
        yield from self.optim_wrappers.values()

    def keys(self) -> Iterator[str]:
        yield from self.optim_wrappers.keys()

    def __getitem__(self, key: str) -> OptimWrapper:
        return self._wrapper(key, "asked for")

    def __contains__(self, key: str) -> bool:
        return key in self.optim_wrappers

    def __len__(self) -> int:
        return len(self.optim_wrappers)

    def __repr__(self) -> str:
        return "".join(
            f"name: {name}\n{wrapper!r}" for name, wrapper in self.optim_wrappers.items()
        )
