"""Parameter counts of a model and its submodules, and their table (fvcore's
``parameter_count``, as mmengine ships it)."""

from __future__ import annotations

from collections import defaultdict

from torch import nn

from mmlight.analysis.rich_table import render_table

__all__ = ["parameter_count", "parameter_count_table"]


def parameter_count(model: nn.Module) -> defaultdict[str, int]:
    """Elements per parameter and per module, keyed by name; ``''`` is the whole model.

    A parameter shared under several names counts once, under its first name.
    """
    count: defaultdict[str, int] = defaultdict(int)
    for name, param in model.named_parameters():
        parts = name.split(".")
        for k in range(len(parts) + 1):
            count[".".join(parts[:k])] += param.numel()
    return count


def _short_size(x: int) -> str:
    """One decimal with K/M/G, the parameter table's own (coarser) number format."""
    for limit, scale, suffix in ((1e8, 1e9, "G"), (1e5, 1e6, "M"), (1e2, 1e3, "K")):
        if x > limit:
            return f"{x / scale:.1f}{suffix}"
    return str(x)


def parameter_count_table(model: nn.Module, max_depth: int = 3) -> str:
    """A table of the parameter counts of the model's submodules down to ``max_depth``
    levels, with the shapes of the parameters met on the way."""
    count = parameter_count(model)
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    rows: list[tuple[str, str]] = [("model", _short_size(count.pop("")))]

    def fill(level: int, prefix: str) -> None:
        if level >= max_depth:
            return
        for name, value in count.items():
            if name.count(".") != level or not name.startswith(prefix):
                continue
            indent = " " * (level + 1)
            if name in shapes:
                rows.append((indent + name, indent + str(shapes[name])))
            else:
                rows.append((indent + name, indent + _short_size(value)))
                fill(level + 1, name + ".")

    fill(0, "")
    return render_table(
        ["name", "#elements or shape"], rows, title=f"parameter count of {type(model).__name__}"
    )
