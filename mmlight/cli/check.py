"""``mmlight check CONFIG``: find every problem in a config without building or running it.

Checks, all reported at once (exit 2 if any error): the config loads; ``model`` is present;
each stage's three keys are all given or all absent (the Runner's rule); every value the
Runner refuses before training (``mmlight.runner.config_checks.RULES``: counters, intervals,
batch sizes, ``nonfinite_loss``); every ``type`` at a place whose registry is known resolves
there (or as a dotted import path), with a did-you-mean; the other keys of such a dict are
arguments the class accepts. Types nested deep inside ``model`` (``norm_cfg``, ``loss_cls``,
...) belong to registries the check cannot know, so an unresolved one there is a warning; and
the model's code builds them, often adding arguments (mmcv's ``build_norm_layer`` gives
``num_features``) or taking some out (``requires_grad``), so there a missing argument is no
problem and an unknown one is a warning. Vis backends get ``save_dir`` from the visualizer.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mmlight.cli.errors import CLIError, Phase, run_guarded

__all__ = ["Problem", "check_config", "main"]

PROG = "mmlight check"

STAGES = {
    "train": ("train_dataloader", "train_cfg", "optim_wrapper"),
    "val": ("val_dataloader", "val_cfg", "val_evaluator"),
    "test": ("test_dataloader", "test_cfg", "test_evaluator"),
}
# Arguments the Runner (or the builder) supplies itself, never the config.
INJECTED = frozenset(
    {"runner", "dataloader", "evaluator", "params", "optimizer", "dataset", "model", "module"}
)
# ... and those one registry's owner supplies (a visualizer gives its backends save_dir).
INJECTED_BY_REGISTRY = {"VISBACKENDS": frozenset({"save_dir"})}


@dataclass
class Problem:
    key: str
    message: str
    line: int | None = None
    warning: bool = False

    def render(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        kind = "warning" if self.warning else "error"
        return f"{where}: {kind}: {self.key}: {self.message}"


def _registries() -> dict[str, Any]:
    import mmlight.registry as r

    return {name: getattr(r, name) for name in r.__all__ if name.isupper()}


def _places(cfg: Mapping[str, Any]) -> Iterator[tuple[str, Any, str, bool]]:
    """(key path, dict, registry constant, strict) for every typed dict whose registry is known."""

    def typed(value: Any) -> bool:
        return isinstance(value, Mapping) and "type" in value

    def model_tree(path: str, node: Any, top: bool) -> Iterator[tuple[str, Any, str, bool]]:
        if isinstance(node, Mapping):
            if typed(node):
                yield path, node, "MODELS", top
            for key, value in node.items():
                sub = f"{path}.{key}"
                if key == "init_cfg":
                    for i, item in enumerate(value if isinstance(value, list) else [value]):
                        if typed(item):
                            yield (f"{sub}[{i}]" if isinstance(value, list) else sub), item, \
                                "WEIGHT_INITIALIZERS", True
                elif key == "data_preprocessor":
                    yield from model_tree(sub, value, True)
                else:
                    yield from model_tree(sub, value, False)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from model_tree(f"{path}[{i}]", item, False)

    if "model" in cfg:
        yield from model_tree("model", cfg["model"], True)
    if typed(cfg.get("data_preprocessor")):
        yield "data_preprocessor", cfg["data_preprocessor"], "MODELS", True
    for stage, (loader_key, loop_key, _) in STAGES.items():
        loader = cfg.get(loader_key)
        if isinstance(loader, Mapping):
            yield from _dataset_places(f"{loader_key}.dataset", loader.get("dataset"))
            for key, reg in (("sampler", "DATA_SAMPLERS"), ("batch_sampler", "DATA_SAMPLERS"),
                             ("collate_fn", "FUNCTIONS")):
                if typed(loader.get(key)):
                    yield f"{loader_key}.{key}", loader[key], reg, True
        if typed(cfg.get(loop_key)):
            yield loop_key, cfg[loop_key], "LOOPS", True
        if stage != "train":
            yield from _evaluator_places(f"{stage}_evaluator", cfg.get(f"{stage}_evaluator"))
    yield from _optim_places(cfg.get("optim_wrapper"))
    schedulers = cfg.get("param_scheduler")
    for i, item in enumerate(schedulers if isinstance(schedulers, list) else [schedulers]):
        if typed(item):
            key = f"param_scheduler[{i}]" if isinstance(schedulers, list) else "param_scheduler"
            yield key, item, "PARAM_SCHEDULERS", True
    for name, hook in (cfg.get("default_hooks") or {}).items():
        if typed(hook):
            yield f"default_hooks.{name}", hook, "HOOKS", True
    for i, hook in enumerate(cfg.get("custom_hooks") or []):
        if typed(hook):
            yield f"custom_hooks[{i}]", hook, "HOOKS", True
    for key, reg in (("log_processor", "LOG_PROCESSORS"), ("model_wrapper_cfg", "MODEL_WRAPPERS"),
                     ("visualizer", "VISUALIZERS")):
        if typed(cfg.get(key)):
            yield key, cfg[key], reg, True
    visualizer = cfg.get("visualizer")
    if isinstance(visualizer, Mapping):
        for i, backend in enumerate(visualizer.get("vis_backends") or []):
            if typed(backend):
                yield f"visualizer.vis_backends[{i}]", backend, "VISBACKENDS", True


def _dataset_places(path: str, dataset: Any) -> Iterator[tuple[str, Any, str, bool]]:
    if not isinstance(dataset, Mapping):
        return
    if "type" in dataset:
        yield path, dataset, "DATASETS", True
    for i, transform in enumerate(dataset.get("pipeline") or []):
        if isinstance(transform, Mapping) and "type" in transform:
            yield f"{path}.pipeline[{i}]", transform, "TRANSFORMS", True
    inner = dataset.get("dataset")
    if inner is not None:
        yield from _dataset_places(f"{path}.dataset", inner)
    for i, item in enumerate(dataset.get("datasets") or []):
        yield from _dataset_places(f"{path}.datasets[{i}]", item)


def _evaluator_places(path: str, evaluator: Any) -> Iterator[tuple[str, Any, str, bool]]:
    if isinstance(evaluator, list):
        for i, metric in enumerate(evaluator):
            if isinstance(metric, Mapping) and "type" in metric:
                yield f"{path}[{i}]", metric, "METRICS", True
    elif isinstance(evaluator, Mapping):
        if "metrics" in evaluator:
            if "type" in evaluator:
                yield path, evaluator, "EVALUATOR", True
            yield from _evaluator_places(
                f"{path}.metrics",
                evaluator["metrics"] if isinstance(evaluator["metrics"], list)
                else [evaluator["metrics"]],
            )
        elif "type" in evaluator:
            yield path, evaluator, "METRICS", True


def _optim_places(wrapper: Any) -> Iterator[tuple[str, Any, str, bool]]:
    if not isinstance(wrapper, Mapping):
        return
    if "optimizer" in wrapper or "type" in wrapper:
        if "type" in wrapper:
            yield "optim_wrapper", wrapper, "OPTIM_WRAPPERS", True
        optimizer = wrapper.get("optimizer")
        if isinstance(optimizer, Mapping) and "type" in optimizer:
            yield "optim_wrapper.optimizer", optimizer, "OPTIMIZERS", True
        return
    for name, sub in wrapper.items():  # one wrapper per sub-model, built by a constructor
        if isinstance(sub, Mapping):
            if "type" in sub:
                yield f"optim_wrapper.{name}", sub, "OPTIM_WRAPPERS", True
            optimizer = sub.get("optimizer")
            if isinstance(optimizer, Mapping) and "type" in optimizer:
                yield f"optim_wrapper.{name}.optimizer", optimizer, "OPTIMIZERS", True


def _known_names(registry: Any) -> list[str]:
    names: list[str] = []
    node = registry
    while node is not None:
        node.import_from_location()
        names.extend(node.module_dict)
        node = node.parent
    return names


def _resolve(registry: Any, type_name: str, scope: str | None) -> Any:
    with registry.switch_scope_and_registry(scope) as reg:
        return reg.get(type_name), reg


def _argument_problems(
    obj: Any, node: Mapping[str, Any], nested: bool = False, injected: frozenset[str] = INJECTED
) -> list[str]:
    """Keys ``obj`` does not take, then (unless ``nested`` in a model, whose code may supply
    them) arguments it needs that are missing and not ``injected`` by the builder."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    params = sig.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        accepts_any = True
    else:
        accepts_any = False
    named = [n for n, p in params.items()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    given = [k for k in node if k not in ("type", "_scope_")]
    problems = []
    if not accepts_any:
        from mmlight.registry.errors import closest_names, did_you_mean

        for key in given:
            if key not in named:
                hint = did_you_mean(closest_names(key, [n for n in named if n not in given], n=1))
                problems.append(
                    f"{node['type']!r} takes no argument {key!r}" + (f"; {hint}" if hint else "")
                    + f" (accepted: {', '.join(n for n in named if n != 'self')})"
                )
    if not inspect.isclass(obj) or nested:
        return problems  # a function's keys are partial arguments; a nested dict's owner adds
    for name, param in params.items():
        if (param.default is inspect.Parameter.empty and name not in given and name != "self"
                and name not in injected
                and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)):
            problems.append(f"{node['type']!r} needs argument {name!r}, which is missing")
    return problems


def _line_of(text: str, value: str) -> int | None:
    pattern = re.compile(r"""(['"])""" + re.escape(value) + r"\1")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def _line_of_key(text: str, key: str, value: Any) -> int | None:
    """The one line that sets the last part of ``key`` to ``value`` (``val_interval=0``,
    ``"val_interval": 0``); None if no line or several do (a value from ``--cfg-options``)."""
    leaf = re.escape(key.rsplit(".", 1)[-1])
    if isinstance(value, str):
        literal = "(?:" + "|".join(re.escape(q + value + q) for q in ("'", '"')) + ")"
    else:
        literal = re.escape(str(value))
    pattern = re.compile(
        r"""(?<![\w.])['"]?""" + leaf + r"""['"]?\s*[=:]\s*""" + literal + r"(?![\w.])"
    )
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if pattern.search(line)]
    return lines[0] if len(lines) == 1 else None


def _own_text(cfg: Any) -> str:
    """The config file's own source (``cfg.text`` also holds its bases), for line numbers."""
    filename = getattr(cfg, "filename", None)
    if not filename:
        return ""
    from mmlight.config import source

    try:
        return str(source.read_text(filename))
    except OSError:
        return ""


def check_config(cfg: Any) -> list[Problem]:
    """Every problem found in ``cfg`` (a loaded ``Config``), errors and warnings."""
    from mmlight.registry.errors import closest_names, did_you_mean

    problems: list[Problem] = []
    text = _own_text(cfg)
    if cfg.get("model", None) is None:
        problems.append(Problem("model", "missing: a Runner config needs model=dict(type=...)"))
    for stage, keys in STAGES.items():
        given = [k for k in keys if cfg.get(k, None) is not None]
        if given and len(given) != len(keys):
            missing = [k for k in keys if k not in given]
            problems.append(Problem(
                ", ".join(missing),
                f"missing: {', '.join(given)} given, so the {stage} stage also needs "
                f"{', '.join(missing)} (or remove {', '.join(given)} to skip {stage})",
            ))
    from mmlight.runner.config_checks import find_problems

    plain = cfg.to_dict()
    for bad in find_problems(plain):  # the values the Runner would refuse (exit 2)
        problems.append(Problem(bad.key, bad.message, _line_of_key(text, bad.key, bad.value)))
    registries = _registries()
    scope = cfg.get("default_scope", None)
    if isinstance(scope, str):
        from mmlight.registry.registry import _import_scope_registry

        _import_scope_registry(scope)
    for path, node, reg_name, strict in _places(plain):
        type_name = node["type"]
        if not isinstance(type_name, str):
            continue
        registry = registries[reg_name]
        obj, used = _resolve(registry, type_name, node.get("_scope_", scope))
        if obj is None and not strict:
            obj, used = _resolve(registries["TASK_UTILS"], type_name, scope)
        if obj is None:
            hint = did_you_mean(closest_names(type_name, _known_names(used)))
            problems.append(Problem(
                f"{path}.type",
                f"{type_name!r} is not in the {used.scope}::{used.name} registry"
                + (f"; {hint}" if hint else "")
                + ("" if strict else " (nested in model: may be registered by a package "
                   "that is not imported)"),
                _line_of(text, type_name),
                warning=not strict,
            ))
            continue
        injected = INJECTED | INJECTED_BY_REGISTRY.get(reg_name, frozenset())
        for message in _argument_problems(obj, node, nested=not strict, injected=injected):
            problems.append(Problem(
                path,
                message + ("" if strict else " (nested in model: its code may take it out)"),
                _line_of(text, type_name),
                warning=not strict,
            ))
    return problems


def build_parser() -> argparse.ArgumentParser:
    from mmlight.cli import flags

    parser = argparse.ArgumentParser(
        prog=PROG, description="Check a config without running it; reports every problem."
    )
    parser.add_argument("config", help="config file (.py, .json, .yaml)")
    flags.add_cfg_options(parser, example="train_cfg.max_epochs=3")
    flags.add_debug(parser)
    return parser


def _body(argv: list[str], phase: Phase) -> None:
    from mmlight.cli.resolve import load_edited_config

    args = build_parser().parse_args(argv)
    cfg = load_edited_config(args)
    problems = check_config(cfg)
    for problem in problems:
        sys.stderr.write(problem.render(args.config) + "\n")
    errors = [p for p in problems if not p.warning]
    if errors:
        raise CLIError(f"{len(errors)} problem(s) in {args.config}")
    warnings = len(problems) - len(errors)
    note = f" ({warnings} warning(s))" if warnings else ""
    sys.stdout.write(f"{args.config}: OK{note}\n")


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded(PROG, _body, argv)
