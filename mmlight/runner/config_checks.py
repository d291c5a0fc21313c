"""Values a run cannot use, refused before anything is built.

MMEngine accepts ``train_cfg.val_interval=0`` and fails with ``ZeroDivisionError`` after the
first epoch; it accepts ``max_epochs=0`` and "trains" for nothing; ``max_iters="abc"`` and
``batch_size=-4`` fail inside the loop's constructor with an error that blames ``train_cfg``.
Here one table, :data:`RULES`, says for each key path what is valid. The Runner checks its
arguments against it before building the model or the data (:func:`check_runner_arguments`),
the training loops check the counters they are given (:func:`require_valid`, for loops built
by hand), and ``mmlight check`` lists every problem at once (:func:`find_problems`).

Every problem is an :class:`InvalidValueError`, a
:class:`~mmlight.config.errors.ConfigValueError` (exit 2 in the CLIs)
naming the key path as written in the config, the value and what is valid.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mmlight.config.errors import ConfigValueError

__all__ = [
    "NONFINITE_LOSS_MODES",
    "RULES",
    "ConfigProblem",
    "InvalidValueError",
    "Rule",
    "check_runner_arguments",
    "find_problems",
    "require_valid",
]

#: Values of the top-level config key ``nonfinite_loss`` (see mmlight.runner.nonfinite).
NONFINITE_LOSS_MODES = ("error", "warn")


class InvalidValueError(ConfigValueError):
    """A value breaks a rule; the message names its key path as written in the config.

    Raised inside a registry build (a loop checks its counters), it would collect notes
    such as "(while building config key 'train_cfg')" that blame the enclosing key; the
    message already names the exact one, so those notes are dropped.
    """

    def add_note(self, note: str, /) -> None:
        parent = getattr(super(), "add_note", None)  # Python >= 3.11
        if parent is not None and not note.startswith("(while building"):
            parent(note)


def _is_integer(value: Any) -> bool:
    """An int, or an integral float as MMEngine's ``int(max_epochs) == max_epochs`` allows."""
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, float) and value.is_integer()


def _positive_integer(value: Any) -> bool:
    return _is_integer(value) and value >= 1


def _non_negative_integer(value: Any) -> bool:
    return _is_integer(value) and value >= 0


def _checkpoint_interval(value: Any) -> bool:
    # -1 is CheckpointHook's default: no periodic checkpoint (only the last / the best).
    return _positive_integer(value) or (_is_integer(value) and value == -1)


def _dynamic_intervals(value: Any) -> bool:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return False
    return all(
        isinstance(pair, Sequence) and not isinstance(pair, str) and len(pair) == 2
        and _non_negative_integer(pair[0]) and _positive_integer(pair[1])
        for pair in value
    )


def _nonfinite_mode(value: Any) -> bool:
    return value in NONFINITE_LOSS_MODES


@dataclass(frozen=True)
class Rule:
    """``path`` (dotted, as written in a config) must satisfy ``accepts``; ``expected`` says
    what is valid, in words that complete "must be ..."."""

    path: str
    accepts: Callable[[Any], bool]
    expected: str


_LOADER_RULES = tuple(
    rule
    for loader in ("train_dataloader", "val_dataloader", "test_dataloader")
    for rule in (
        Rule(f"{loader}.batch_size", _positive_integer, "a positive integer"),
        Rule(f"{loader}.num_workers", _non_negative_integer, "an integer >= 0"),
    )
)

#: Every checked key path. A key that is absent or None (not set: the component's default,
#: or its signature, decides), or whose parent is an object rather than a dict (a built
#: DataLoader, a Hook instance), is not checked by :func:`find_problems`.
RULES: tuple[Rule, ...] = (
    Rule("train_cfg.max_epochs", _positive_integer, "a positive integer (epochs to train)"),
    Rule("train_cfg.max_iters", _positive_integer, "a positive integer (iterations to train)"),
    Rule(
        "train_cfg.val_interval", _positive_integer,
        "a positive integer (validate every N epochs or iterations)",
    ),
    Rule("train_cfg.val_begin", _non_negative_integer, "an integer >= 0"),
    Rule(
        "train_cfg.dynamic_intervals", _dynamic_intervals,
        "a list of (milestone, interval) pairs with milestone >= 0 and interval >= 1",
    ),
    *_LOADER_RULES,
    Rule(
        "default_hooks.checkpoint.interval", _checkpoint_interval,
        "a positive integer, or -1 for no periodic checkpoint",
    ),
    Rule("default_hooks.logger.interval", _positive_integer, "a positive integer"),
    Rule(
        "auto_scale_lr.base_batch_size", _positive_integer,
        "a positive integer (the total batch size the learning rate was set for)",
    ),
    Rule("nonfinite_loss", _nonfinite_mode, " or ".join(map(repr, NONFINITE_LOSS_MODES))),
)

_RULES_BY_PATH = {rule.path: rule for rule in RULES}


@dataclass(frozen=True)
class ConfigProblem:
    """One value that breaks its rule."""

    key: str
    value: Any
    expected: str

    @property
    def message(self) -> str:
        return f"must be {self.expected}, got {self.value!r}"

    def __str__(self) -> str:
        return f"{self.key} {self.message}"


_MISSING = object()


def _lookup(root: Mapping[str, Any], path: str) -> Any:
    node: Any = root
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def find_problems(cfg: Mapping[str, Any], rules: Sequence[Rule] = RULES) -> list[ConfigProblem]:
    """Every value of ``cfg`` (a whole config, or the Runner's arguments) that breaks a rule."""
    problems = []
    for rule in rules:
        value = _lookup(cfg, rule.path)
        if value is not _MISSING and value is not None and not rule.accepts(value):
            problems.append(ConfigProblem(rule.path, value, rule.expected))
    return problems


def _raise_for(problems: Sequence[ConfigProblem]) -> None:
    if problems:
        raise InvalidValueError("; ".join(str(problem) for problem in problems))


def require_valid(path: str, value: Any) -> None:
    """Raise InvalidValueError if ``value`` breaks the rule for ``path`` (one of RULES).

    For a value actually used (a loop's counter), so None is refused too.
    """
    rule = _RULES_BY_PATH[path]
    if not rule.accepts(value):
        _raise_for([ConfigProblem(path, value, rule.expected)])


def check_runner_arguments(arguments: Mapping[str, Any]) -> None:
    """Check the Runner's constructor arguments (plus the keys only its ``cfg`` holds).

    ``arguments`` maps Runner parameter names to the values given, as ``locals()`` does;
    a top-level key that is no Runner parameter (``nonfinite_loss``) is read from
    ``arguments['cfg']``. Raises one ConfigValueError listing every problem.
    """
    view = {key: value for key, value in arguments.items() if key not in ("self", "cfg")}
    cfg_get = getattr(arguments.get("cfg"), "get", None)
    if cfg_get is not None:
        for root in {rule.path.split(".")[0] for rule in RULES} - view.keys():
            value = cfg_get(root, _MISSING)
            if value is not _MISSING:
                view[root] = value
    _raise_for(find_problems(view))
