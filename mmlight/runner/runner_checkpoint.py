"""The Runner's checkpoint methods: load, resume, save (``Runner`` delegates here).

Semantics follow MMEngine's ``Runner.load_or_resume/load_checkpoint/resume/save_checkpoint``.
Additions:

* every rank's RNG states are saved under the top-level key ``'rng_states'`` (a list indexed
  by rank); resume puts this rank's entry in ``runner._pending_rng_state`` without applying it
  (the training loop applies it once the dataloader iterator exists);
* loading never unpickles code unless the config says ``unsafe_load=True`` (or the runner has
  an ``unsafe_load`` attribute set, as the CLI's ``--unsafe-load`` does);
* the message hub, meta and everything else are written in a form that a plain
  ``torch.load(weights_only=True)`` reads; runtime info or meta values that have no such form
  are left out with a warning instead of failing the save;
* under FSDP (``runner.model`` is ``MMFullyShardedDataParallel`` and holds only this rank's
  shard) every rank takes part in gathering the full, unsharded state dict, keyed like the
  plain model, and the full optimizer state, keyed like a non-FSDP optimizer's; rank 0
  writes them. Resume loads that state into the optimizer over the plain model, and
  ``MMFSDPStrategy`` shards it when it wraps the model, so the file resumes under FSDP (any
  number of ranks), DDP or a single process alike.
"""

from __future__ import annotations

import ast
import pickle
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import torch

from mmlight.runner.checkpoint import (
    DEFAULT_REVISE_KEYS,
    CheckpointNotFoundError,
    CheckpointStateDictError,
    NotACheckpointError,
    UnsafeCheckpointError,
    UnsupportedCheckpointSchemeError,
    _load_checkpoint,
    _load_checkpoint_to_model,
    _unwrap,
    find_latest_checkpoint,
    save_checkpoint,
    shape_mismatches,
    weights_to_cpu,
)
from mmlight.runner.safe_checkpoint import encode_safe, log_dropped

__all__ = [
    "CHECKPOINT_INPUT_ERRORS",
    "gpu_ids_in_config",
    "load_or_resume",
    "load_runner_checkpoint",
    "pointed_at_by_last_checkpoint",
    "resume_runner",
    "save_runner_checkpoint",
]


def _unsafe_load(runner: Any) -> bool:
    if getattr(runner, "unsafe_load", False):
        return True
    cfg_get = getattr(runner.cfg, "get", None)
    return bool(cfg_get("unsafe_load", False)) if cfg_get else False


def load_or_resume(runner: Any) -> None:
    """``resume=True`` resumes from ``load_from`` or, without it, the latest in work_dir."""
    if runner._has_loaded:
        return
    resume_from = None
    auto = runner._resume and runner._load_from is None
    if auto:
        resume_from = find_latest_checkpoint(runner.work_dir)
        runner.logger.info(f"Auto resumed from the latest checkpoint {resume_from}.")
    elif runner._resume and runner._load_from is not None:
        resume_from = runner._load_from
    if resume_from is not None:
        try:
            runner.resume(resume_from)
        except CHECKPOINT_INPUT_ERRORS as error:
            if auto:  # the user never named this file: say where it came from
                from mmlight.utils.error_notes import set_note

                set_note(error, pointed_at_by_last_checkpoint(runner.work_dir, resume_from))
            raise
        runner._has_loaded = True
    elif runner._load_from is not None:
        runner.load_checkpoint(runner._load_from)
        runner._has_loaded = True


def load_runner_checkpoint(
    runner: Any,
    filename: str,
    map_location: Any = "cpu",
    strict: bool = False,
    revise_keys: list[tuple[str, str]] | None = None,
) -> dict:
    """Load weights into ``runner.model`` (through any wrapper); returns the checkpoint."""
    checkpoint = _load_checkpoint(
        filename, map_location=map_location, unsafe_load=_unsafe_load(runner), decode=True
    )
    runner.call_hook("after_load_checkpoint", checkpoint=checkpoint)
    model = _unwrap(runner.model)
    keys = DEFAULT_REVISE_KEYS if revise_keys is None else revise_keys
    _load_checkpoint_to_model(model, checkpoint, strict, logger=runner.logger, revise_keys=keys,
                              source=filename)
    runner._has_loaded = True
    runner.logger.info(f"Load checkpoint from {filename}")
    return checkpoint


def _default_device() -> torch.device:
    if torch.cuda.is_available():
        from mmlight.dist import get_local_rank

        return torch.device("cuda", get_local_rank() % max(1, torch.cuda.device_count()))
    return torch.device("cpu")


def resume_runner(
    runner: Any,
    filename: str,
    resume_optimizer: bool = True,
    resume_param_scheduler: bool = True,
    map_location: Any = "default",
) -> None:
    """Restore weights, counters, message hub, optimizer and schedulers from ``filename``."""
    location = _default_device() if map_location == "default" else map_location
    checkpoint = runner.load_checkpoint(filename, map_location=location)
    meta = checkpoint.get("meta")
    if not isinstance(meta, dict) or "epoch" not in meta or "iter" not in meta:
        raise _ResumeKeyError(
            f"cannot resume from {filename}: it has no meta.epoch/meta.iter (top-level keys: "
            f"{sorted(checkpoint)}); a file with weights only goes in load_from, with resume=False"
        )
    _refuse_bad_counters(filename, meta)
    _refuse_mismatched_shapes(runner, filename, checkpoint)
    runner.train_loop._epoch = meta["epoch"]
    runner.train_loop._iter = meta["iter"]
    _check_gpu_count(runner, meta)
    _resume_seed(runner, meta)
    _check_dataset_meta(runner, meta)

    if "message_hub" in checkpoint:
        runner.message_hub.load_state_dict(checkpoint["message_hub"])

    if "optimizer" in checkpoint and resume_optimizer:
        runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
        runner.optim_wrapper.load_state_dict(checkpoint["optimizer"])

    if resume_param_scheduler and runner.param_schedulers is None:
        runner.logger.warning(
            "`resume_param_scheduler` is True but `self.param_schedulers` is None, so skip "
            "resuming parameter schedulers"
        )
        resume_param_scheduler = False
    if "param_schedulers" in checkpoint and resume_param_scheduler:
        runner.param_schedulers = runner.build_param_scheduler(runner.param_schedulers)
        saved = checkpoint["param_schedulers"]
        if isinstance(runner.param_schedulers, dict):
            for name, schedulers in runner.param_schedulers.items():
                for scheduler, state in zip(schedulers, saved[name]):
                    scheduler.load_state_dict(state)
        else:
            for scheduler, state in zip(runner.param_schedulers, saved):
                scheduler.load_state_dict(state)

    runner._pending_rng_state = _rank_rng_state(runner, checkpoint.get("rng_states"))
    runner._has_loaded = True
    runner.logger.info(f"resumed epoch: {runner.epoch}, iter: {runner.iter}")


class _ResumeKeyError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class _ResumeValueError(ValueError):
    """A resume checkpoint whose counters are not counters."""


def _refuse_bad_counters(filename: str, meta: dict) -> None:
    """meta.epoch/meta.iter become the loop's counters: whole numbers >= 0, or the run fails
    later with an error that names neither the file nor the key."""
    for key in ("epoch", "iter"):
        value = meta[key]
        if type(value) is not int or value < 0:
            raise _ResumeValueError(
                f"cannot resume from {filename}: meta.{key} is {value!r}, not a whole number "
                ">= 0; the file was not written by a CheckpointHook or was edited"
            )


# A checkpoint that cannot be resumed from: bad input, whichever path named it.
CHECKPOINT_INPUT_ERRORS = (
    CheckpointNotFoundError, CheckpointStateDictError, NotACheckpointError,
    UnsafeCheckpointError, UnsupportedCheckpointSchemeError, _ResumeKeyError,
    _ResumeValueError,
)


def pointed_at_by_last_checkpoint(work_dir: str, target: str) -> str:
    """The note added when the file came from ``work_dir/last_checkpoint`` (auto resume,
    ``--ckpt_path last``): which pointer named it, and what to do about it."""
    from mmlight.fileio import join_path
    from mmlight.runner.checkpoint_folder import checkpoints_in_folder

    pointer = join_path(work_dir, "last_checkpoint")
    _, files = checkpoints_in_folder(work_dir)
    older = [name for name in files if name != target]
    choices = f" (the folder also holds {', '.join(older)})" if older else ""
    return (
        f"[the file came from {pointer}, which names the latest checkpoint. Write the path "
        f"of an older, complete checkpoint into it{choices}, or delete it to train from "
        "scratch]"
    )


_SHOWN_MISMATCHES = 5


def _refuse_mismatched_shapes(runner: Any, filename: str, checkpoint: dict) -> None:
    """A resume continues the saved run, so every saved weight must fit the model: a
    skipped one would train from its fresh init (and the optimizer state would not fit)."""
    state_dict = checkpoint.get("state_dict", checkpoint)
    mismatched = shape_mismatches(_unwrap(runner.model), state_dict)
    if not mismatched:
        return
    shown = "; ".join(
        f"{name} is {list(saved)} in the checkpoint and {list(own)} in the model"
        for name, saved, own in mismatched[:_SHOWN_MISMATCHES]
    )
    more = len(mismatched) - _SHOWN_MISMATCHES
    shown += f"; and {more} more" if more > 0 else ""
    raise CheckpointStateDictError(
        f"cannot resume from {filename}: {len(mismatched)} of its weights do not fit the "
        f"model's shapes: {shown}. A resumed run needs the model it was saved with; to start "
        "a new run from these weights, use load_from with resume=False (weights that do not "
        "fit are then skipped with a warning)"
    )


def gpu_ids_in_config(text: Any) -> int | None:
    """How many GPUs an mmcv config text names in a top-level ``gpu_ids = ...``, or None.

    The text comes from a checkpoint, so it is parsed, never run: only a literal list/tuple
    (``[0, 1]``) or ``range(a, b)`` with literal ints counts; anything else is ignored.
    """
    if not isinstance(text, str):
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: int | None = None
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "gpu_ids"):
            continue
        found = _literal_length(node.value)
    return found


def _literal_length(node: ast.expr) -> int | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "range" and not node.keywords and 1 <= len(node.args) <= 3:
        bounds = [_literal_int(arg) for arg in node.args]
        if any(bound is None for bound in bounds):
            return None
        return len(range(*bounds))  # type: ignore[arg-type]
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return len(value) if isinstance(value, (list, tuple)) else None


def _literal_int(node: ast.expr) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal_int(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) < 2**31:
        return node.value
    return None


def _check_gpu_count(runner: Any, meta: dict) -> None:
    """Old (mmcv) checkpoints keep their config under ``meta['config']`` with ``gpu_ids``."""
    previous = gpu_ids_in_config(meta.get("config"))
    if previous and previous != runner.world_size:
        auto_scale = runner.auto_scale_lr
        if auto_scale is None or not auto_scale.get("enable", False):
            raise RuntimeError(
                f"the checkpoint was trained on {previous} GPUs and this run has "
                f"{runner.world_size} processes; the learning rate would be wrong. Set "
                "auto_scale_lr=dict(enable=True, base_batch_size=...) to rescale it"
            )
        runner.logger.info(
            "Number of GPU used for current experiment is not consistent with resuming from "
            f"checkpoint but the leaning rate will be adjusted according to the setting in "
            f"auto_scale_lr={auto_scale}"
        )


def _resume_seed(runner: Any, meta: dict) -> None:
    resumed_seed = meta.get("seed")
    if resumed_seed is not None and type(resumed_seed) is not int:
        runner.logger.warning(
            f"the checkpoint's meta.seed {resumed_seed!r} is not an integer; it is ignored"
        )
        return
    current_seed = runner._randomness_cfg.get("seed")
    if resumed_seed is not None and resumed_seed != current_seed:
        if current_seed is not None:
            runner.logger.warning(
                f'The value of random seed in the checkpoint "{resumed_seed}" is different '
                f'from the value in `randomness` config "{current_seed}"'
            )
        runner._randomness_cfg.update(seed=resumed_seed)
        runner.set_randomness(**runner._randomness_cfg)


def _check_dataset_meta(runner: Any, meta: dict) -> None:
    resumed = meta.get("dataset_meta")
    current = getattr(runner.train_dataloader.dataset, "metainfo", None)
    if not _same(resumed, current):
        runner.logger.warning(
            "The dataset metainfo from the resumed checkpoint is different from the current "
            "training dataset, please check the correctness of the checkpoint or the training "
            "dataset."
        )


def _same(left: Any, right: Any) -> bool:
    """Equality for metainfo, which may hold numpy arrays (compared by their pickles)."""
    try:
        return pickle.dumps(left) == pickle.dumps(right)
    except Exception:
        try:
            return bool(left == right)
        except Exception:
            return False


def _rank_rng_state(runner: Any, states: Any) -> dict | None:
    if not states:
        return None
    if len(states) != runner.world_size:
        runner.logger.warning(
            f"the checkpoint holds RNG states of {len(states)} processes and this run has "
            f"{runner.world_size}; random numbers will not continue exactly as in the saved run"
        )
    if runner.rank >= len(states):
        return None
    state = states[runner.rank]
    return state if isinstance(state, dict) else None


def save_runner_checkpoint(
    runner: Any,
    out_dir: str,
    filename: str,
    file_client_args: dict | None = None,
    save_optimizer: bool = True,
    save_param_scheduler: bool = True,
    meta: dict | None = None,
    by_epoch: bool = True,
    backend_args: dict | None = None,
) -> None:
    """Write ``out_dir/filename`` on rank 0 (every rank must call: RNG states are gathered)."""
    from mmlight.dist import all_gather_object, is_main_process
    from mmlight.runner.rng_state import capture_rng_state

    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        raise TypeError(f"meta should be a dict or None, but got {type(meta)}")
    rng_states = all_gather_object(capture_rng_state())
    fsdp_root = _fsdp_root(runner)
    # A collective: every rank gathers, rank 0 keeps the result.
    full_state = None if fsdp_root is None else _full_fsdp_state_dict(fsdp_root, runner.model)
    full_optim = None
    if fsdp_root is not None and save_optimizer:
        full_optim = _full_fsdp_optim_state(fsdp_root, runner.optim_wrapper)
    if not is_main_process():
        return

    if by_epoch:
        # CheckpointHook saves from after_train_epoch, before the epoch counter advances.
        meta.setdefault("epoch", runner.epoch + 1)
        meta.setdefault("iter", runner.iter)
    else:
        meta.setdefault("epoch", runner.epoch)
        meta.setdefault("iter", runner.iter + 1)

    if file_client_args is not None:
        import warnings

        warnings.warn(
            '"file_client_args" will be deprecated in future. Please use "backend_args" instead',
            DeprecationWarning,
            stacklevel=3,
        )
        if backend_args is not None:
            raise ValueError(
                '"file_client_args" and "backend_args" cannot be set at the same time.'
            )
    from mmlight.fileio import join_path

    filepath = join_path(out_dir, filename, backend_args=backend_args)
    meta.update(
        cfg=runner.cfg.pretty_text,
        seed=runner.seed,
        experiment_name=runner.experiment_name,
        time=time.strftime("%Y%m%d_%H%M%S", time.localtime()),
        mmengine_version=_version_string(),
    )
    if runner._train_loop is not None and hasattr(runner.train_dataloader.dataset, "metainfo"):
        meta.update(dataset_meta=runner.train_dataloader.dataset.metainfo)

    if full_state is None:
        full_state = weights_to_cpu(_unwrap(runner.model).state_dict())
    checkpoint: dict[str, Any] = {
        "meta": meta,
        "state_dict": full_state,
        "message_hub": _to_cpu(runner.message_hub.state_dict()),
    }
    if save_optimizer:
        from mmlight.optim import OptimWrapper

        if not isinstance(runner.optim_wrapper, OptimWrapper):
            raise TypeError(
                "self.optim_wrapper should be an `OptimWrapper` or `OptimWrapperDict` instance, "
                f"but got {runner.optim_wrapper}"
            )
        optim_state = runner.optim_wrapper.state_dict() if full_optim is None else full_optim
        checkpoint["optimizer"] = _to_cpu(optim_state)

    if save_param_scheduler and runner.param_schedulers is None:
        runner.logger.warning(
            "`save_param_scheduler` is True but `self.param_schedulers` is None, so skip saving "
            "parameter schedulers"
        )
        save_param_scheduler = False
    if save_param_scheduler:
        schedulers = runner.param_schedulers
        if isinstance(schedulers, dict):
            checkpoint["param_schedulers"] = {
                name: [s.state_dict() for s in group] for name, group in schedulers.items()
            }
        else:
            checkpoint["param_schedulers"] = [s.state_dict() for s in schedulers]
    checkpoint["rng_states"] = rng_states

    runner.call_hook("before_save_checkpoint", checkpoint=checkpoint)
    _make_lenient_parts_safe(checkpoint, log_dropped(runner.logger))
    save_checkpoint(
        checkpoint, filepath, file_client_args=file_client_args, backend_args=backend_args
    )
    # A URL work_dir's text log is staged locally: bring it up to date with the checkpoint.
    sync = getattr(runner.logger, "sync_log_files", None)
    if sync is not None:
        sync(strict=False)


def _fsdp_root(runner: Any) -> Any:
    """The root FSDP module: ``runner.model`` itself (``MMFullyShardedDataParallel``, as
    MMEngine wraps it), or the module a plain Lightning FSDPStrategy wrapped; else None."""
    if not torch.distributed.is_available():
        return None
    from torch.distributed.fsdp import FullyShardedDataParallel

    if isinstance(runner.model, FullyShardedDataParallel):
        return runner.model
    trainer = getattr(runner, "_trainer", None)
    wrapped = getattr(getattr(trainer, "strategy", None), "model", None)
    return wrapped if isinstance(wrapped, FullyShardedDataParallel) else None


def _full_fsdp_optim_state(root: Any, optim_wrapper: Any) -> dict | None:
    """The optimizer entry of a checkpoint under FSDP: each optimizer's full state, keyed as
    in a non-FSDP run (see ``mmlight.lightning.fsdp_optim_state``). A collective; None on
    ranks that receive nothing, or for a wrapper this cannot gather (it is then saved as is).
    """
    from mmlight.lightning.fsdp_optim_state import gather_full_optim_state
    from mmlight.optim import OptimWrapper, OptimWrapperDict

    def one(wrapper: Any) -> dict | None:
        optimizer = getattr(wrapper, "optimizer", None)
        if not isinstance(optimizer, torch.optim.Optimizer):
            return None
        gathered = gather_full_optim_state(root, optimizer)
        if gathered is None:
            return None
        state = wrapper.state_dict()  # keeps the wrapper's own entries (loss_scaler, ...)
        state.update(gathered)
        return state

    if isinstance(optim_wrapper, OptimWrapperDict):
        states = {name: one(wrapper) for name, wrapper in optim_wrapper.items()}
        return None if any(state is None for state in states.values()) else states
    if isinstance(optim_wrapper, OptimWrapper):
        return one(optim_wrapper)
    return None


# Name segments FSDP and activation checkpointing insert; full state dicts leave them out.
_WRAPPER_SEGMENTS = ("_fsdp_wrapped_module.", "_checkpoint_wrapped_module.")


def _full_fsdp_state_dict(root: Any, model: torch.nn.Module) -> OrderedDict[str, Any]:
    """``model``'s unsharded weights, keyed as ``model.state_dict()`` keys them unwrapped.

    Every rank must call. On CUDA only rank 0 receives the tensors, moved to the CPU as they
    are gathered (so the full model never sits on one GPU); on a CPU process group every rank
    gathers in place: torch's CPU-offload path for the full state dict crashes without a GPU.
    """
    import warnings

    from torch.distributed.fsdp import FullStateDictConfig, StateDictType
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    prefix = ""
    for name, module in root.named_modules():
        if module is model:
            for segment in _WRAPPER_SEGMENTS:
                name = name.replace(segment, "")
            prefix = f"{name}." if name else ""
            break
    on_gpu = getattr(root, "compute_device", torch.device("cpu")).type != "cpu"
    config = FullStateDictConfig(offload_to_cpu=on_gpu, rank0_only=on_gpu)
    with warnings.catch_warnings():
        # torch marks FSDP.state_dict_type deprecated; it is what Lightning's FSDP uses.
        warnings.simplefilter("ignore", FutureWarning)
        with FSDP.state_dict_type(root, StateDictType.FULL_STATE_DICT, config):
            state = root.state_dict()
    return weights_to_cpu(
        OrderedDict(
            (key[len(prefix):], value) for key, value in state.items() if key.startswith(prefix)
        )
    )


def _make_lenient_parts_safe(checkpoint: dict, drop: Callable[[str, Any], bool]) -> None:
    """Meta and runtime info may hold anything a user put there: unsafe values are dropped."""
    if isinstance(checkpoint.get("meta"), dict):
        checkpoint["meta"] = encode_safe(checkpoint["meta"], "checkpoint['meta']", drop)
    hub = checkpoint.get("message_hub")
    if isinstance(hub, dict) and "runtime_info" in hub:
        hub["runtime_info"] = encode_safe(
            hub["runtime_info"], "checkpoint['message_hub']['runtime_info']", drop
        )


def _to_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.cpu()
    if isinstance(value, dict):
        out: dict = OrderedDict() if isinstance(value, OrderedDict) else {}
        for key, item in value.items():
            out[key] = _to_cpu(item)
        return out
    if isinstance(value, list):
        return [_to_cpu(item) for item in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return tuple(_to_cpu(item) for item in value)
    return value


def _version_string() -> str:
    """Stored where mmengine stores its version, so tools reading that key find one."""
    from mmlight import __version__

    return f"mmlight-{__version__}"
