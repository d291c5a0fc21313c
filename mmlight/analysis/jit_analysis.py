"""Per-submodule statistics of a traced model (mmengine's ``JitModelAnalysis``).

The model is traced once, lazily, when a statistic is first asked for; every node whose op has
a handle adds the handle's count to the module that ran it and to that module's ancestors.
Ops without a handle are *unsupported* (counted and warned about) unless they are known to
cost nothing (shape and memory ops, ``prim::`` nodes) or were set to ``None``.

Differences from mmengine 0.10.7, both deliberate: :meth:`JitModelAnalysis.copy` keeps the
explicitly ignored ops and the ancestor mode (mmengine's copy drops them although it says it
keeps all settings), and a failed trace leaves no scope hooks on the model.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from dataclasses import dataclass
from numbers import Number
from typing import Any, TypeVar

import numpy as np
from torch import nn
from torch.jit import TracerWarning

from mmlight.analysis.jit_handles import Handle
from mmlight.analysis.scoped_trace import named_modules_with_dup, scoped_trace_graph
from mmlight.logging import print_log

__all__ = ["JitModelAnalysis", "Statistics"]

T = TypeVar("T", bound="JitModelAnalysis")

# Ops that truly cost no flops: shape changes, integer and comparison ops, copies, fills.
_IGNORED_OPS: frozenset[str] = frozenset(
    "aten::" + op
    for op in (
        "Int", "ScalarImplicit", "__and__", "arange", "bitwise_not", "cat", "chunk", "clamp",
        "clamp_", "constant_pad_nd", "contiguous", "copy_", "detach", "dropout", "empty", "eq",
        "expand", "flatten", "floor", "floor_divide", "full", "full_like", "gather", "ge", "gt",
        "index", "index_put_", "masked_fill", "max", "narrow", "new_empty", "new_full",
        "new_zeros", "nonzero", "ones", "permute", "relu", "relu_", "remainder", "reshape",
        "roll", "select", "size", "slice", "split", "split_with_sizes", "squeeze", "stack", "t",
        "to", "transpose", "type_as", "unbind", "unsqueeze", "unsqueeze_", "view", "zeros",
        "zeros_like"
    )
)

# Modules whose forward is nn.Module's (containers) or runs no op (Identity): never "uncalled".
_NO_FORWARD = (nn.Module, nn.ModuleList, nn.ModuleDict, nn.Identity)

_COUNT_TYPES = (int, float, np.float64, np.int64)


@dataclass
class Statistics:
    """What one trace produced, keyed by canonical module name."""

    counts: dict[str, Counter[str]]
    unsupported_ops: dict[str, Counter[str]]
    uncalled_mods: set[str]


class JitModelAnalysis:
    """Statistics of ``model`` run on ``inputs``, per submodule and per operator.

    Submodules are named as in ``named_modules()`` (the model itself is ``''``); a module
    reachable under several names is reported under the first. An op belongs to the module
    whose ``__call__`` ran it, so work done through ``module.forward(...)`` or other methods
    is credited to the caller. ``inputs`` is a tensor or a tuple of positional arguments for
    ``model.forward``, as ``torch.jit`` tracing takes them.
    """

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        self._model = model
        self._inputs = inputs
        self._op_handles: dict[str, Handle] = {}
        self._named_modules: dict[str, nn.Module] = dict(named_modules_with_dup(model))
        self._aliases: dict[nn.Module | str, str] = self._get_aliases(model)
        self._stats: Statistics | None = None
        # a trace of the same model and inputs to count on instead of tracing again
        self._shared_graph: Any = None
        self._ignored_ops: set[str] = set(_IGNORED_OPS)
        self.unsupported_ops_warnings(True)
        self.uncalled_modules_warnings(True)
        self.tracer_warnings("no_tracer_warning")
        self.ancestor_mode("owner")

    # ---- results -----------------------------------------------------------------------

    def total(self, module_name: str = "") -> int:
        """The statistic of ``module_name`` summed over all operators."""
        return sum(self.by_operator(module_name).values())

    def by_operator(self, module_name: str = "") -> Counter[str]:
        """The statistic of ``module_name`` per operator name (the names handles choose)."""
        stats = self._analyze()
        return stats.counts[self.canonical_module_name(module_name)]

    def by_module_and_operator(self) -> dict[str, Counter[str]]:
        """Per-operator statistics of every submodule."""
        return self._analyze().counts

    def by_module(self) -> Counter[str]:
        """The statistic of every submodule, summed over operators."""
        counts = self._analyze().counts
        return Counter({name: sum(per_op.values()) for name, per_op in counts.items()})

    def unsupported_ops(self, module_name: str = "") -> Counter[str]:
        """How often each op without a handle ran in ``module_name`` (ignored ops excluded).

        Available once a statistic has been computed.
        """
        if self._stats is None:
            raise RuntimeError(
                "Analysis results should be computed before calling unsupported_ops()"
            )
        return self._stats.unsupported_ops[self.canonical_module_name(module_name)]

    def uncalled_modules(self) -> set[str]:
        """Submodules no traced op ran in: unused, or run through ``.forward()`` or other
        methods (their work then counts for the caller only)."""
        return self._analyze().uncalled_mods

    # ---- settings ----------------------------------------------------------------------

    def set_op_handle(self: T, *args: Any, **kwargs: Handle | None) -> T:
        """Add or replace op handles, given as ``name, handle`` pairs and/or keywords.

        A ``None`` handle marks the op as costing nothing (ignored, not unsupported).
        """
        if len(args) % 2 != 0:
            raise TypeError(
                "set_op_handle should be called with pairs of names and handles, but got "
                f"{len(args)} positional arguments"
            )
        self._stats = None
        pairs = {**kwargs, **dict(zip(args[::2], args[1::2]))}
        for name, handle in pairs.items():
            if handle is None:
                self._ignored_ops.add(name)
            else:
                self._op_handles[name] = handle
        return self

    def clear_op_handles(self: T) -> T:
        """Drop every handle and every op ignored beyond the built-in zero-cost ones."""
        self._op_handles = {}
        self._ignored_ops = set(_IGNORED_OPS)
        self._stats = None
        return self

    def canonical_module_name(self, name: str) -> str:
        """The name statistics of the module called ``name`` are reported under."""
        assert isinstance(name, str), "Module name must be a string."
        if name not in self._aliases:
            raise KeyError(
                "Requested module name is not among the descendants of the analyzed model: "
                f"{name!r}"
            )
        return self._aliases[name]

    def copy(self, new_model: nn.Module | None = None, new_inputs: Any = None) -> JitModelAnalysis:
        """A new analysis with this one's handles and settings, on another model or inputs."""
        other = JitModelAnalysis(
            model=self._model if new_model is None else new_model,
            inputs=self._inputs if new_inputs is None else new_inputs,
        )
        other._op_handles = dict(self._op_handles)
        other._ignored_ops = set(self._ignored_ops)
        other.unsupported_ops_warnings(self._enable_warn_unsupported_ops)
        other.uncalled_modules_warnings(self._enable_warn_uncalled_mods)
        other.tracer_warnings(self._warn_trace)
        other.ancestor_mode(self._ancestor_mode)
        return other

    def tracer_warnings(self: T, mode: str) -> T:
        """Which Python warnings raised while tracing get through: ``'all'``,
        ``'no_tracer_warning'`` (all but ``torch.jit.TracerWarning``; the default) or
        ``'none'``."""
        if mode not in ("all", "no_tracer_warning", "none"):
            raise ValueError(f"Unrecognized tracer warning mode {mode}.")
        self._warn_trace = mode
        return self

    def ancestor_mode(self: T, mode: str) -> T:
        """Which modules an op counts for besides the one running it.

        ``'owner'`` (default): that module's ancestors by ownership (a shared module's
        canonical name decides). ``'caller'``: every module whose ``forward`` was running.
        Totals are the same either way.
        """
        if mode not in ("owner", "caller"):
            raise ValueError(f"Unrecognized ancestor mode: {mode}")
        self._ancestor_mode = mode
        return self

    def unsupported_ops_warnings(self: T, enabled: bool) -> T:
        """Whether unsupported ops are logged (they are counted either way)."""
        self._enable_warn_unsupported_ops = enabled
        return self

    def uncalled_modules_warnings(self: T, enabled: bool) -> T:
        """Whether uncalled submodules are logged (they are recorded either way)."""
        self._enable_warn_uncalled_mods = enabled
        return self

    # ---- the analysis ------------------------------------------------------------------

    @staticmethod
    def _get_aliases(model: nn.Module) -> dict[nn.Module | str, str]:
        """Each module, and each of its names, mapped to its first name."""
        aliases: dict[nn.Module | str, str] = {}
        for name, module in named_modules_with_dup(model):
            aliases.setdefault(module, name)
            aliases[name] = aliases[module]
        return aliases

    def _get_all_ancestors(self, module_name: str) -> set[str]:
        """The module's canonical name and every prefix of it, the root included."""
        parts = self.canonical_module_name(module_name).split(".")
        return {".".join(parts[:k]) for k in range(len(parts) + 1)}

    def _trace(self) -> Any:
        if self._shared_graph is not None:
            return self._shared_graph
        with warnings.catch_warnings():
            if self._warn_trace == "none":
                warnings.simplefilter("ignore")
            elif self._warn_trace == "no_tracer_warning":
                warnings.filterwarnings("ignore", category=TracerWarning)
            return scoped_trace_graph(self._model, self._inputs, self._aliases)

    def _analyze(self) -> Statistics:
        if self._stats is not None:
            return self._stats
        graph = self._trace()
        counts: dict[str, Counter[str]] = {}
        unsupported: dict[str, Counter[str]] = {}
        for _, module in named_modules_with_dup(self._model):
            name = self._aliases[module]
            counts[name] = Counter()
            unsupported[name] = Counter()

        seen: set[str] = set()
        for node in graph.nodes():
            kind = node.kind()
            if kind == "prim::PythonOp":
                kind = f"{kind}.{node.pyname()}"
            # "a/a.b": the scopes of the modules running, outermost first
            scopes = node.scopeName().split("/")
            seen.update(scopes)
            if self._ancestor_mode == "caller":
                ancestors = set(scopes)
            else:
                ancestors = self._get_all_ancestors(scopes[-1])
                seen.update(ancestors)
            handle = self._op_handles.get(kind)
            if handle is None:
                if not self._should_ignore_node(node):
                    for name in ancestors:
                        unsupported[name][kind] += 1
                continue
            op_counts = handle(list(node.inputs()), list(node.outputs()))
            if isinstance(op_counts, Number):
                op_counts = Counter({self._simplify_op_name(kind): op_counts})
            for value in op_counts.values():  # type: ignore[union-attr]
                if not isinstance(value, _COUNT_TYPES):
                    raise ValueError(
                        f"Invalid type {type(value)} for the flop count! "
                        "Please use a wider type to avoid overflow."
                    )
            for name in ancestors:
                # Counter addition: zero counts leave no key, as in mmengine
                counts[name] += op_counts  # type: ignore[arg-type]

        uncalled = set(self._aliases.values()) - seen
        self._stats = Statistics(counts=counts, unsupported_ops=unsupported, uncalled_mods=uncalled)
        self._warn_unsupported_ops(unsupported[""])
        self._warn_uncalled_mods(uncalled)
        return self._stats

    def _warn_unsupported_ops(self, ops: Counter[str]) -> None:
        if not self._enable_warn_unsupported_ops:
            return
        for op, freq in ops.items():
            print_log(
                f"Unsupported operator {op} encountered {freq} time(s)", "current", logging.WARNING
            )

    def _warn_uncalled_mods(self, uncalled_mods: set[str]) -> None:
        if not self._enable_warn_uncalled_mods:
            return
        names = sorted(name for name in uncalled_mods if self._has_forward(name))
        if not names:
            return
        print_log(
            "The following submodules of the model were never called during the trace of the "
            "graph. They may be unused, or they were accessed by direct calls to .forward() or "
            "via other python methods. In the latter case they will have zeros for statistics, "
            "though their statistics will still contribute to their parent calling module.\n"
            + ", ".join(names),
            "current",
            logging.WARNING,
        )

    @staticmethod
    def _simplify_op_name(full_op_name: str) -> str:
        """``aten::batch_norm`` -> ``batch_norm``."""
        return full_op_name.partition("::")[2] or full_op_name

    def _has_forward(self, mod_name: str) -> bool:
        """Whether the module runs ops of its own when called (containers and Identity do
        not, so they are never reported as uncalled)."""
        module = self._named_modules.get(mod_name)
        if module is None:
            return False
        forward = type(module).forward
        return all(forward is not base.forward for base in _NO_FORWARD)

    def _should_ignore_node(self, node: Any) -> bool:
        """Zero-cost nodes: the ignored ops, and ``prim::`` nodes other than Python autograd
        functions (``prim::PythonOp``) and calls of scripted code (``prim::CallFunction``)."""
        kind = node.kind()
        if kind in self._ignored_ops:
            return True
        if kind.startswith(("prim::PythonOp", "prim::CallFunction")):
            return False
        return kind.startswith("prim::")
