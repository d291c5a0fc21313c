"""Curves from the ``scalars.json`` a run leaves behind (mmlight's or mmengine's, same format).

``LocalVisBackend`` appends one JSON object per logging step to ``<run>/vis_data/scalars.json``:
training records carry ``iter`` (and ``epoch`` for epoch-based runs) next to their values;
validation records carry only ``step`` (the epoch, in epoch-based runs, or the iteration they
were taken at). A curve is one key of one run: x from ``iter`` where the record has it, else from
``step``, named ``epoch`` or ``iter`` by the kind of run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BOOKKEEPING_KEYS",
    "Curve",
    "PlotInputError",
    "ScalarRun",
    "curves_for",
    "default_keys",
    "find_scalar_file",
    "read_run",
]

SCALARS_NAME = "scalars.json"
# Written on every record for bookkeeping; not worth a curve unless asked for by name.
BOOKKEEPING_KEYS = frozenset({"step", "iter", "epoch", "time", "data_time", "memory"})


class PlotInputError(ValueError):
    """A path or key given to ``mmlight plot`` that does not lead to curves."""


@dataclass
class ScalarRun:
    """Every record of one run's scalar log, with the name its curves are labelled by."""

    label: str
    path: Path
    records: list[dict[str, object]] = field(default_factory=list)

    def logged_keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for record in self.records:
            seen.update(dict.fromkeys(record))
        return list(seen)


@dataclass
class Curve:
    label: str
    key: str
    x_name: str
    xs: list[float]
    ys: list[float]


def find_scalar_file(path: str | Path) -> Path:
    """The ``scalars.json`` that ``path`` names: the file, a run folder, or a work_dir.

    A work_dir holds one ``<timestamp>/`` folder per run; the latest run that logged is taken
    (timestamps sort by name).
    """
    given = Path(path)
    if given.is_file():
        return given
    if not given.exists():
        raise PlotInputError(f"{path}: no such file or directory")
    for candidate in (given / SCALARS_NAME, given / "vis_data" / SCALARS_NAME):
        if candidate.is_file():
            return candidate
    runs = sorted(p for p in given.glob(f"*/vis_data/{SCALARS_NAME}") if p.is_file())
    if runs:
        return runs[-1]
    raise PlotInputError(
        f"{path}: found no scalar log in it; give a work_dir, a run folder "
        f"(<work_dir>/<timestamp>) or a vis_data/{SCALARS_NAME} file"
    )


def read_run(path: str | Path, label: str | None = None) -> ScalarRun:
    """Read every JSON line of the run's scalar log; a bad line is reported as file:line."""
    file = find_scalar_file(path)
    run = ScalarRun(label=label or str(path), path=file)
    with open(file, encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise PlotInputError(
                    f"{file}:{number}: not a JSON object ({error.msg}); each line of a scalar "
                    f"log is one JSON object such as {{\"loss\": 0.5, \"step\": 10}}"
                ) from None
            if not isinstance(record, dict):
                raise PlotInputError(
                    f"{file}:{number}: expected a JSON object, got {type(record).__name__}"
                )
            run.records.append(record)
    return run


def default_keys(runs: Sequence[ScalarRun]) -> list[str]:
    """Every logged value that is not bookkeeping, in the order the runs first logged it."""
    seen: dict[str, None] = {}
    for run in runs:
        seen.update(dict.fromkeys(k for k in run.logged_keys() if k not in BOOKKEEPING_KEYS))
    return list(seen)


def _resolve_key(key: str, available: Sequence[str]) -> list[str]:
    """``key`` itself, else the logged keys it abbreviates (``accuracy`` -> ``accuracy/top1``)."""
    if key in available:
        return [key]
    return [k for k in available if k.endswith("/" + key) or k.startswith(key + "/")]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _x(record: dict[str, object], x_name: str, index: int) -> float:
    """The record's position on the x axis; its index where it logged no step at all."""
    value = _number(record.get(x_name, record.get("step")))
    return float(index) if value is None else value


def curves_for(runs: Sequence[ScalarRun], keys: Sequence[str] | None = None) -> list[Curve]:
    """One curve per (key, run) that logged the key; unknown keys are one error naming them."""
    available: dict[str, None] = {}
    for run in runs:
        available.update(dict.fromkeys(run.logged_keys()))
    wanted: list[str] = []
    if keys:
        missing = []
        for key in keys:
            matches = _resolve_key(key, list(available))
            if not matches:
                missing.append(key)
            wanted.extend(m for m in matches if m not in wanted)
        if missing:
            choices = ", ".join(k for k in available if k not in BOOKKEEPING_KEYS) or "none"
            raise PlotInputError(
                f"--keys {' '.join(missing)}: not logged by "
                f"{'any of these runs' if len(runs) > 1 else 'this run'}; logged: {choices}"
            )
    else:
        wanted = default_keys(runs)
    curves = []
    for key in wanted:
        for run in runs:
            points: list[tuple[dict[str, object], float]] = []
            for record in run.records:
                y = _number(record.get(key))
                if y is not None:
                    points.append((record, y))
            if not points:
                continue
            if all("iter" in r for r, _ in points):
                x_name = x_key = "iter"
            else:  # validation: logged at the epoch (epoch-based runs) or iteration it ran
                x_key = "step"
                x_name = "epoch" if any("epoch" in r for r in run.records) else "iter"
            xs = [_x(r, x_key, i) for i, (r, _) in enumerate(points)]
            curves.append(Curve(run.label, key, x_name, xs, [y for _, y in points]))
    return curves
