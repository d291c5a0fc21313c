"""What a run says about itself at the start and at the end, in the log and on the console.

MMEngine's log opens with the system and runtime environment, the config and the hooks by mount
point; Lightning adds a model summary. mmlight's Runner logs all four (the same texts MMEngine
logs, so log readers and diff tools keep working) and ends a training run with a summary: the
best metric and its checkpoint, the last checkpoint, the wall time and the work_dir.
"""

from __future__ import annotations

import functools
import os.path as osp
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from torch import nn

__all__ = [
    "environment_text",
    "hooks_text",
    "model_summary_text",
    "run_summary_text",
]

_DASHES = "-" * 60


class _Hook(Protocol):
    priority: Any

    def get_triggered_stages(self) -> list[str]: ...


def _key_values(items: Mapping[str, Any]) -> str:
    return "".join(f"\n    {key}: {value}" for key, value in items.items())


@functools.cache
def _system_environment() -> Mapping[str, Any]:
    """``collect_env()`` once per process: it runs compilers, and the machine does not change."""
    from mmlight.utils.dl_utils import collect_env

    return collect_env()


def environment_text(runtime: Mapping[str, Any]) -> str:
    """System environment (``collect_env`` plus Lightning and mmlight) and the runtime one."""
    import lightning

    import mmlight
    system = dict(_system_environment())
    system.setdefault("Lightning", lightning.__version__)
    system.setdefault("MMLight", mmlight.__version__)
    return (
        f"\n{_DASHES}\nSystem environment:{_key_values(system)}\n"
        f"\nRuntime environment:{_key_values(runtime)}\n{_DASHES}\n"
    )


def _priority_name(priority: Any) -> str:
    from mmlight.hooks.priority import Priority

    try:
        return Priority(priority).name
    except ValueError:
        return str(priority)


def hooks_text(hooks: Iterable[_Hook], stages: Sequence[str]) -> str:
    """Each mount point with the hooks it calls, in call order (MMEngine's layout)."""
    by_stage: dict[str, list[str]] = {stage: [] for stage in stages}
    for hook in hooks:
        line = f"({_priority_name(hook.priority):<12}) {type(hook).__name__:<35}"
        for stage in hook.get_triggered_stages():
            by_stage.setdefault(stage, []).append(line)
    blocks = [
        f"{stage}:\n" + "\n".join(lines) + "\n -------------------- "
        for stage, lines in by_stage.items()
        if lines
    ]
    return "\n".join(blocks)


def _count(value: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return str(value)


def model_summary_text(model: nn.Module) -> str:
    """Parameters per top-level child, then totals, trainable count and size in memory."""
    inner = getattr(model, "module", model)  # a wrapped model: its parameters are the module's
    rows = [("(model)", type(inner).__name__, *_tally(inner.parameters()))]
    rows += [(name, type(child).__name__, *_tally(child.parameters()))
             for name, child in inner.named_children()]  # fmt: skip
    total, trainable, size = rows[0][2:]
    width = max(len(name) for name, *_ in rows) + 2
    lines = [f"  {name:<{width}}{kind:<28}{_count(count):>10}"
             for name, kind, count, _, _ in rows]  # fmt: skip
    return (
        "Model summary:\n" + "\n".join(lines) + "\n"
        f"  {_count(total)} parameters, {_count(trainable)} trainable, "
        f"{_count(total - trainable)} frozen, {_bytes(size)}"
    )


def _bytes(size: int) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _tally(parameters: Iterable[nn.Parameter]) -> tuple[int, int, int]:
    total = trainable = size = 0
    for parameter in parameters:
        count = parameter.numel()
        total += count
        trainable += count if parameter.requires_grad else 0
        size += count * parameter.element_size()
    return total, trainable, size


def _best_checkpoints(hooks: Iterable[Any], runtime_info: Mapping[str, Any]) -> list[str]:
    """``best <metric>: <score> (<checkpoint>)`` for each metric a CheckpointHook tracked."""
    lines = []
    for hook in hooks:
        single = getattr(hook, "best_ckpt_path", None)
        paths: Mapping[str, Any] = getattr(hook, "best_ckpt_path_dict", None) or {}
        if single:
            paths = {str(hook.key_indicators[0]): single}
        for key, path in paths.items():
            if not path:
                continue
            score = runtime_info.get("best_score" if single else f"best_score_{key}")
            shown = f"{score:.4g}" if isinstance(score, float) else str(score)
            lines.append(f"best {key}: {shown} ({path})")
    return lines


def run_summary_text(
    work_dir: str, hooks: Iterable[Any], seconds: float, runtime_info: Mapping[str, Any]
) -> str:
    """The end of a training run in a few lines: where its results are and how long it took.

    ``runtime_info`` is the message hub's, where CheckpointHook records ``last_ckpt`` and the
    best scores.
    """
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    took = f"{seconds:.2f} s" if seconds < 60 else f"{hours:d}:{minutes:02d}:{secs:02d}"
    lines = [
        "Run summary:",
        *(f"  {line}" for line in _best_checkpoints(hooks, runtime_info)),
        f"  last checkpoint: {runtime_info.get('last_ckpt') or 'none saved'}",
        f"  time: {took}",
        f"  work_dir: {work_dir if '://' in work_dir else osp.abspath(work_dir)}",
    ]
    return "\n".join(lines)
