"""mmlight.analysis offers mmengine.analysis' names at the same module paths, with the same
parameters, so a migrated ``get_flops`` tool only rewrites its imports."""

from __future__ import annotations

import importlib
import inspect

import pytest

pytest.importorskip("torch")

MODULES = ["", ".complexity_analysis", ".jit_analysis", ".jit_handles", ".print_helper"]


def _public_defs(module_name: str) -> dict[str, object]:
    """Functions and classes a module of mmengine.analysis defines or re-exports from its
    own package (not torch's or rich's)."""
    module = importlib.import_module(module_name)
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__.startswith("mmengine.analysis")
    }


@pytest.mark.parametrize("suffix", MODULES)
def test_names_and_signatures_are_mmengines(suffix: str) -> None:
    pytest.importorskip("mmengine.analysis")
    theirs = _public_defs("mmengine.analysis" + suffix)
    ours = importlib.import_module("mmlight.analysis" + suffix)
    assert theirs
    for name, their_obj in theirs.items():
        our_obj = getattr(ours, name, None)
        assert our_obj is not None, f"mmlight.analysis{suffix} lacks {name}"
        assert inspect.isclass(our_obj) == inspect.isclass(their_obj), name
        if inspect.isfunction(their_obj):
            their_params = inspect.signature(their_obj).parameters
            our_params = inspect.signature(our_obj).parameters
            assert list(our_params) == list(their_params), name
            assert [p.default for p in our_params.values()] == [
                p.default for p in their_params.values()
            ], name


def test_all_of_mmengine_analysis() -> None:
    mm_analysis = pytest.importorskip("mmengine.analysis")
    import mmlight.analysis

    assert set(mm_analysis.__all__) <= set(mmlight.analysis.__all__)
    for name in mmlight.analysis.__all__:
        assert getattr(mmlight.analysis, name).__module__.startswith("mmlight.analysis.")


def test_downstream_private_imports() -> None:
    from mmlight.analysis.jit_handles import Handle
    from mmlight.analysis.print_helper import _format_size

    assert _format_size(123456789) == "0.123G"
    assert Handle is not None


@pytest.mark.parametrize("method", ["total", "by_operator", "by_module", "by_module_and_operator",
                                    "unsupported_ops", "uncalled_modules", "set_op_handle",
                                    "clear_op_handles", "canonical_module_name", "copy",
                                    "tracer_warnings", "ancestor_mode",
                                    "unsupported_ops_warnings", "uncalled_modules_warnings"])
def test_analyzer_methods_are_mmengines(method: str) -> None:
    pytest.importorskip("mmengine.analysis")
    from mmengine.analysis.jit_analysis import JitModelAnalysis as Theirs

    from mmlight.analysis.jit_analysis import JitModelAnalysis as Ours

    their_params = inspect.signature(getattr(Theirs, method)).parameters
    our_params = inspect.signature(getattr(Ours, method)).parameters
    assert [(p.name, p.kind, p.default) for p in our_params.values()] == [
        (p.name, p.kind, p.default) for p in their_params.values()
    ]
