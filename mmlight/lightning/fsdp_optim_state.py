"""Full optimizer state across FSDP sharding: gathered on save, scattered back on resume.

Under FSDP each rank's optimizer holds state for its own shard only. A checkpoint stores the
*full* state instead, in the layout a non-FSDP run writes (``optimizer.state_dict()``: state
keyed by each parameter's position in the param groups), so the same file resumes under FSDP
with any number of ranks, under DDP or in a single process.

The numbering follows the optimizer as it was built over the plain model, before sharding.
:func:`remember_param_names` records that numbering (by parameter name) while the parameters
are still the model's own; torch's ``FSDP.optim_state_dict`` / ``optim_state_dict_to_load``
work with the same names, which makes the translation both ways exact, whether the wrapper
trains the original parameters (``use_orig_params=True``) or flat ones (``False``).
"""

from __future__ import annotations

import contextlib
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

__all__ = [
    "UnshardedOptimState",
    "gather_full_optim_state",
    "named_optim_state",
    "remember_param_names",
    "restore_after_sharding",
    "scatter_full_optim_state",
    "unsharded_optim_state",
]

# optimizer -> parameter names per param group, as numbered before sharding.
_NAMES: weakref.WeakKeyDictionary[torch.optim.Optimizer, list[list[str]]] = (
    weakref.WeakKeyDictionary()
)


def remember_param_names(model: nn.Module, optimizer: torch.optim.Optimizer) -> list[list[str]]:
    """Name ``optimizer``'s parameters (still ``model``'s own) per group; kept for later.

    Call before sharding. A parameter the model does not own gets no name and stops the
    recording (the gather then numbers parameters in the order torch reports them).
    """
    by_id = {id(param): name for name, param in model.named_parameters()}
    names: list[list[str]] = []
    for group in optimizer.param_groups:
        group_names = [by_id.get(id(param)) for param in group["params"]]
        if any(name is None for name in group_names):
            return []
        names.append([name for name in group_names if name is not None])
    _NAMES[optimizer] = names
    return names


def named_optim_state(state: dict[str, Any], names: list[list[str]]) -> dict[str, Any]:
    """A position-keyed optimizer state dict re-keyed by parameter name (FSDP's layout)."""
    flat = [name for group in names for name in group]
    return {
        "state": {flat[index]: value for index, value in state["state"].items()},
        "param_groups": [
            {**group, "params": [flat[index] for index in group["params"]]}
            for group in state["param_groups"]
        ],
    }


def _positional(named: dict[str, Any], names: list[list[str]]) -> dict[str, Any]:
    """FSDP's name-keyed optimizer state dict numbered as the plain model's optimizer was."""
    groups = named["param_groups"]
    reported = sorted(name for group in groups for name in group["params"])
    if len(names) != len(groups) or sorted(n for g in names for n in g) != reported:
        names = [list(group["params"]) for group in groups]  # not recorded for this model
    index = {name: position for position, name in enumerate(n for g in names for n in g)}
    return {
        "state": {index[name]: named["state"][name] for name in index if name in named["state"]},
        "param_groups": [
            {**{k: v for k, v in group.items() if k != "params"},
             "params": [index[name] for name in group_names]}
            for group, group_names in zip(groups, names)
        ],
    }


@contextlib.contextmanager
def _full_state_dict_type(root: nn.Module, gather_to_rank0: bool) -> Iterator[None]:
    from torch.distributed.fsdp import (
        FullOptimStateDictConfig,
        FullStateDictConfig,
        StateDictType,
    )
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    # On CUDA rank 0 alone receives the state, moved to the CPU piece by piece; torch's CPU
    # offload path needs a GPU, so on a CPU process group every rank gathers in place.
    model_cfg = FullStateDictConfig(offload_to_cpu=gather_to_rank0, rank0_only=gather_to_rank0)
    optim_cfg = FullOptimStateDictConfig(
        offload_to_cpu=gather_to_rank0, rank0_only=gather_to_rank0
    )
    with warnings.catch_warnings():
        # torch marks FSDP.state_dict_type deprecated; it is what Lightning's FSDP uses.
        warnings.simplefilter("ignore", FutureWarning)
        with FSDP.state_dict_type(root, StateDictType.FULL_STATE_DICT, model_cfg, optim_cfg):
            yield


def _on_gpu(root: nn.Module) -> bool:
    return getattr(root, "compute_device", torch.device("cpu")).type != "cpu"


def gather_full_optim_state(
    root: nn.Module, optimizer: torch.optim.Optimizer
) -> dict[str, Any] | None:
    """The full (unsharded) state of ``optimizer``, keyed like a non-FSDP optimizer's.

    A collective: every rank must call. Returns None on ranks that receive nothing (on CUDA
    only rank 0 does).
    """
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    on_gpu = _on_gpu(root)
    with _full_state_dict_type(root, gather_to_rank0=on_gpu):
        named = FSDP.optim_state_dict(root, optimizer)
    if not named or "param_groups" not in named:
        return None
    return _positional(named, _NAMES.get(optimizer, []))


def scatter_full_optim_state(
    root: nn.Module,
    optimizer: torch.optim.Optimizer,
    full_state: dict[str, Any],
    names: list[list[str]],
) -> None:
    """Give each rank's ``optimizer`` its shard of ``full_state`` (name-keyed, FSDP's layout,
    as :func:`named_optim_state` makes it). Every rank holds the full state and must call."""
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    if names:
        _NAMES[optimizer] = names
    optimizer.state.clear()  # the unsharded state loaded before sharding
    with _full_state_dict_type(root, gather_to_rank0=False):
        sharded = FSDP.optim_state_dict_to_load(root, optimizer, full_state)
    optimizer.load_state_dict(sharded)


class UnshardedOptimState:
    """What an optimizer over the plain model holds before sharding: its parameter names per
    group and, after a resume, the full state loaded into it (None when it has none)."""

    def __init__(self, names: list[list[str]], state: dict[str, Any] | None) -> None:
        self.names = names
        self.state = state


def unsharded_optim_state(
    model: nn.Module, optimizer: torch.optim.Optimizer
) -> UnshardedOptimState:
    """Record ``optimizer`` over ``model`` (before sharding) for :func:`restore_after_sharding`."""
    names = remember_param_names(model, optimizer)
    state = optimizer.state_dict() if optimizer.state and names else None
    return UnshardedOptimState(names, state)


def restore_after_sharding(
    root: nn.Module, optimizer: torch.optim.Optimizer, before: UnshardedOptimState
) -> None:
    """Carry what ``optimizer`` (the same one, or the one rebuilt over flat parameters) held
    before sharding over to the sharded parameters: names always, state if there was any."""
    if not before.names:
        return
    _NAMES[optimizer] = before.names
    if before.state is not None and before.state["state"]:
        full = named_optim_state(before.state, before.names)
        scatter_full_optim_state(root, optimizer, full, before.names)
