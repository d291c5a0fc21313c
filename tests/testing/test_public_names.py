"""mmlight.testing offers every public name of mmengine.testing, at the same module paths."""

from __future__ import annotations

import importlib
import inspect

import pytest

pytest.importorskip("torch")
pytest.importorskip("mmengine.testing")

_MODULES = ["testing", "testing.compare", "testing.runner_test_case", "testing._internal",
            "testing._internal.distributed"]


@pytest.mark.parametrize("module", _MODULES)
def test_mmengine_public_names_exist_with_the_same_kind(module: str) -> None:
    theirs = importlib.import_module(f"mmengine.{module}")
    ours = importlib.import_module(f"mmlight.{module}")
    names = getattr(theirs, "__all__", None) or [
        name for name, value in vars(theirs).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == theirs.__name__]
    for name in names:
        assert hasattr(ours, name), f"mmlight.{module} lacks {name}"
        assert inspect.isclass(getattr(ours, name)) == inspect.isclass(getattr(theirs, name))


def test_testing_all_is_mmengine_s() -> None:
    import mmengine.testing

    import mmlight.testing

    assert sorted(mmlight.testing.__all__) == sorted(mmengine.testing.__all__)
    for name in mmlight.testing.__all__:
        assert getattr(mmlight.testing, name) is not None


def test_multi_process_test_case_keeps_mmengine_s_protocol_names() -> None:
    from mmengine.testing._internal import MultiProcessTestCase as Theirs

    from mmlight.testing._internal import MultiProcessTestCase as Ours

    theirs = {name for name in vars(Theirs) if not name.startswith("__")}
    missing = sorted(name for name in theirs if not hasattr(Ours, name))
    assert missing == []
    assert (Ours.MAIN_PROCESS_RANK, Ours.TEST_ERROR_EXIT_CODE) == (
        Theirs.MAIN_PROCESS_RANK, Theirs.TEST_ERROR_EXIT_CODE)
