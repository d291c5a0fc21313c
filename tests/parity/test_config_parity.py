"""Parity: `mmlight.config` loads, dumps, merges and refuses every corpus config like mmengine.

The corpus lives in `config_corpus/` (see its README.md):

- `loadable/`: every config file in it must load under mmengine 0.10.7 (the oracle) and give the
  same `to_dict()` under mmlight - same keys, same values, same value types (tuple vs list,
  int vs float), same key order;
- `refused/`: every config file directly in it must be refused by mmengine; mmlight must refuse
  it with a `ConfigError` that is also an instance of the builtin exception type mmengine raised
  and whose message names the culprit (`REFUSED` pins each one);
- `quirks/`: files mmengine loads *wrong* or crashes on obscurely; each has an explicit mmlight
  expectation in the "quirks" section below, with the reason.

The oracle is mmengine with one bug fixed (see `_oracle_stdlib_fix`): in a virtualenv, and for
frozen modules such as `os` on Python >= 3.11, mmengine 0.10.7 takes standard-library modules for
third-party ones in pure-Python configs. Everything else is stock mmengine.
"""

from __future__ import annotations

import argparse
import copy
import functools
import importlib
import io
import json
import os
import pickle
import re
import shutil
import sys
import types
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

mmengine = pytest.importorskip("mmengine")

import mmengine.config.config as mme_config_module  # noqa: E402
import mmengine.config.utils as mme_config_utils  # noqa: E402
from mmengine.config import Config as MMEConfig  # noqa: E402
from mmengine.config import DictAction as MMEDictAction  # noqa: E402

CORPUS = Path(__file__).parent / "config_corpus"
LOADABLE = CORPUS / "loadable"
REFUSED_DIR = CORPUS / "refused"
QUIRKS = CORPUS / "quirks"
HELPERS = CORPUS / "helpers"
MMLIGHT_CONFIG_PACKAGE = Path(__file__).parents[2] / "mmlight" / "config"
CONFIG_SUFFIXES = (".py", ".json", ".yaml", ".yml")
ENV_PREFIX = "MMLIGHT_CORPUS_"
PLUGIN = "mmlight_corpus_plugin"

pytestmark = [
    # mmengine's own warnings for corpus files that warn on purpose; the tests that care about
    # warnings record them explicitly
    pytest.mark.filterwarnings("ignore:The config file .* will be deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:mmlight_corpus_no_such_module failed to import:UserWarning"),
]


def _corpus_files(root: Path, recursive: bool = True) -> list[str]:
    pattern = "**/*" if recursive else "*"
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.glob(pattern)
        if p.is_file() and p.name.endswith(CONFIG_SUFFIXES)
    )


LOADABLE_FILES = _corpus_files(LOADABLE)
LAZY_FILES = [f for f in LOADABLE_FILES if f.startswith("lazy/")]
ENV_FILES = [f for f in LOADABLE_FILES if f.startswith("env/")]

# Configs holding values no config text can express (classes, functions): mmengine's
# pretty_text and dump() fail on them too, so the text round trips skip them.
NOT_DUMPABLE = {
    "pycode/classes.py": "keeps classes; mmengine's pretty_text raises SyntaxError on them",
    "lazy/function_kept.py": "keeps a function; mmengine's pretty_text raises SyntaxError on it",
}
DUMPABLE_FILES = [f for f in LOADABLE_FILES if f not in NOT_DUMPABLE]
# A few representative configs for the fsspec round trip.
MEMORY_URL_FILES = [
    "mmdet_like/retinanet/retinanet_r50_fpn_1x_voc.py",
    "values/values.py",
    "values/values.yaml",
    "lazy/toy_mmengine.py",
]
ENV_VALUES = {
    f"{ENV_PREFIX}ROOT": "/mnt/datasets",
    f"{ENV_PREFIX}TAG": "exp-1",
    f"{ENV_PREFIX}NUM": "21",
    f"{ENV_PREFIX}RATIO": "0.25",
    f"{ENV_PREFIX}BASE": "../formats/plain.yml",
}


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _oracle_stdlib_fix() -> Iterator[Callable[[str], bool]]:
    """Fix mmengine's standard-library test, so the oracle behaves as mmengine means to.

    mmengine 0.10.7 decides whether an import in a pure-Python config is "builtin" (run
    eagerly) by comparing the module's file with `dirname(dirname(sys.executable))`: in a
    virtualenv that is the venv, not the interpreter's stdlib, and frozen modules (`os` on
    Python >= 3.11) have no file at all. Both make stdlib imports lazy, which breaks configs
    such as `import os.path as osp; root = osp.join(...)`. mmlight must run stdlib imports
    eagerly, as mmengine does on a plain install with an older Python.
    `test_oracle_fix_is_still_needed` fails once mmengine gets this right by itself.
    """
    original = mme_config_utils._is_builtin_module

    def is_builtin(name: str) -> bool:
        if not name.startswith(".") and name.split(".")[0] in sys.stdlib_module_names:
            return True
        return bool(original(name))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mme_config_utils, "_is_builtin_module", is_builtin)
        mp.setattr(mme_config_module, "_is_builtin_module", is_builtin)
        yield original


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No corpus variable leaks in from the shell; the plugin module is importable."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.syspath_prepend(str(HELPERS))


@pytest.fixture(scope="module")
def mml() -> types.ModuleType:
    """`mmlight.config`, once it exists (it is written in parallel with this corpus)."""
    if not (MMLIGHT_CONFIG_PACKAGE / "__init__.py").is_file():
        pytest.skip("mmlight.config is not written yet")
    return importlib.import_module("mmlight.config")


@pytest.fixture(scope="module")
def mmengine_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus with `mmlight.config` imports swapped for `mmengine.config` ones.

    mmengine cannot be expected to honour `from mmlight.config import read_base`, so for every
    corpus folder that contains such an import the oracle loads this copy instead.
    """
    root = tmp_path_factory.mktemp("mmengine_corpus")
    shutil.copytree(LOADABLE, root / "loadable")
    for path in (root / "loadable").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "mmlight.config" in text:
            path.write_text(text.replace("mmlight.config", "mmengine.config"), encoding="utf-8")
    return root / "loadable"


@functools.cache
def _needs_swap(rel: str) -> bool:
    top = (LOADABLE / rel.split("/")[0]).resolve()
    return any("mmlight.config" in p.read_text(encoding="utf-8") for p in top.rglob("*.py"))


def oracle_path(rel: str, mmengine_copy: Path) -> Path:
    return (mmengine_copy if _needs_swap(rel) else LOADABLE) / rel


def load_oracle(rel: str, mmengine_copy: Path, **kwargs: Any) -> Any:
    return MMEConfig.fromfile(str(oracle_path(rel, mmengine_copy)), **kwargs)


def load_mml(mml: types.ModuleType, rel: str, **kwargs: Any) -> Any:
    return mml.Config.fromfile(str(LOADABLE / rel), **kwargs)


# --------------------------------------------------------------------------------------------
# strict comparison
# --------------------------------------------------------------------------------------------


def _child_path(path: str, key: Any) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def first_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """Describe the first place where `actual` differs from `expected`, or return None.

    Stricter than `==`: value types must match exactly (tuple vs list, int vs float vs bool,
    dict vs a dict subclass), floats compare by repr (so -0.0 != 0.0 and nan == nan).
    Functions and classes are created anew by each load (and `read_base` comes from whichever
    library ran the file), so they compare by qualified name; modules by name.
    """
    where = path or "<top level>"
    if type(expected) is not type(actual):
        return (
            f"{where}: mmengine has {type(expected).__name__} {expected!r}, "
            f"mmlight has {type(actual).__name__} {actual!r}"
        )
    if isinstance(expected, dict):
        missing = [k for k in expected if k not in actual]
        if missing:
            return f"{where}: key {missing[0]!r} missing in mmlight (mmengine: {list(expected)})"
        extra = [k for k in actual if k not in expected]
        if extra:
            return f"{where}: mmlight has extra key {extra[0]!r} = {actual[extra[0]]!r}"
        for key in expected:
            found = first_difference(expected[key], actual[key], _child_path(path, key))
            if found:
                return found
        return None
    if isinstance(expected, (list, tuple)):
        if len(expected) != len(actual):
            return f"{where}: mmengine has {expected!r}, mmlight has {actual!r} (length differs)"
        for index, (exp, act) in enumerate(zip(expected, actual)):
            found = first_difference(exp, act, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(expected, float):
        same = repr(expected) == repr(actual)
    elif isinstance(expected, (types.FunctionType, type)):
        same = expected is actual or expected.__qualname__ == actual.__qualname__
    elif isinstance(expected, types.ModuleType):
        same = expected.__name__ == actual.__name__
    else:
        same = bool(expected == actual)
    return None if same else f"{where}: mmengine has {expected!r}, mmlight has {actual!r}"


def assert_same(expected: Any, actual: Any, what: str) -> None:
    found = first_difference(expected, actual)
    assert found is None, f"{what}: {found}"


def first_order_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """Describe the first dict whose keys come in a different order, or return None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if list(expected) != list(actual):
            where = path or "<top level>"
            return f"{where}: mmengine order {list(expected)}, mmlight {list(actual)}"
        pairs: list[tuple[Any, Any, str]] = [
            (expected[k], actual[k], _child_path(path, k)) for k in expected
        ]
    elif isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        pairs = [(e, a, f"{path}[{i}]") for i, (e, a) in enumerate(zip(expected, actual))]
    else:
        return None
    for exp, act, sub in pairs:
        found = first_order_difference(exp, act, sub)
        if found:
            return found
    return None


def mentions(*patterns: str) -> str:
    """A regex matching text that contains every pattern, in any order."""
    return "(?s)" + "".join(f"(?=.*(?:{p}))" for p in patterns)


def builtin_base(exc_type: type[BaseException]) -> type[BaseException]:
    """The first builtin exception class in `exc_type`'s MRO (what user code may catch)."""
    return next(t for t in exc_type.__mro__ if t.__module__ == "builtins")


def test_comparison_helper_is_strict() -> None:
    assert first_difference({"a": (1, 2)}, {"a": (1, 2)}) is None
    assert "a: mmengine has tuple" in str(first_difference({"a": (1, 2)}, {"a": [1, 2]}))
    assert "b.c[1]" in str(first_difference({"b": {"c": [0, 1]}}, {"b": {"c": [0, 1.0]}}))
    assert "missing" in str(first_difference({"x": 1, 3: 2}, {"x": 1, "3": 2}))
    assert "extra key" in str(first_difference({}, {"y": None}))
    assert first_difference(-0.0, 0.0) is not None
    assert first_difference(float("nan"), float("nan")) is None
    assert first_difference(True, 1) is not None
    assert first_order_difference({"a": 1, "b": 2}, {"b": 2, "a": 1}) is not None


# --------------------------------------------------------------------------------------------
# loadable corpus: the oracle accepts it, mmlight gives the same dict
# --------------------------------------------------------------------------------------------


def test_corpus_is_complete() -> None:
    folders = {f.split("/")[0] for f in LOADABLE_FILES}
    assert folders >= {
        "formats",
        "inherit",
        "refs",
        "pyvars",
        "predefined",
        "env",
        "custom_imports",
        "scope",
        "pycode",
        "values",
        "mmdet_like",
        "lazy",
    }
    assert not [f for f in _corpus_files(CORPUS) if Path(f).name.startswith("test_")]


def test_oracle_reads_mmengine_imports(mmengine_copy: Path) -> None:
    assert _needs_swap("lazy/toy_mmlight.py") and not _needs_swap("inherit/delete_top.py")
    text = oracle_path("lazy/toy_mmlight.py", mmengine_copy).read_text(encoding="utf-8")
    assert "from mmengine.config import read_base" in text
    assert "mmlight" not in text


@pytest.mark.parametrize("rel", LOADABLE_FILES)
def test_oracle_loads(rel: str, mmengine_copy: Path) -> None:
    cfg = load_oracle(rel, mmengine_copy)
    assert isinstance(cfg.to_dict(), dict)


@pytest.mark.parametrize("rel", LOADABLE_FILES)
def test_to_dict_parity(rel: str, mml: types.ModuleType, mmengine_copy: Path) -> None:
    expected = load_oracle(rel, mmengine_copy)
    actual = load_mml(mml, rel)
    assert_same(expected.to_dict(), actual.to_dict(), f"{rel} to_dict()")
    assert_same(expected.env_variables, actual.env_variables, f"{rel} env_variables")
    if not _needs_swap(rel):
        assert actual.filename == expected.filename


@pytest.mark.parametrize("rel", LOADABLE_FILES)
def test_key_order_parity(rel: str, mml: types.ModuleType, mmengine_copy: Path) -> None:
    expected = load_oracle(rel, mmengine_copy).to_dict()
    actual = load_mml(mml, rel).to_dict()
    found = first_order_difference(expected, actual)
    assert found is None, f"{rel}: {found}"


def _sane_module_string(value: Any) -> str | None:
    """mmengine writes a lazily imported *module* as '<module>.<module>' in keep_imported.

    `import torch` gives 'torch.torch' and `import torch.nn as nn` gives 'torch.nn.torch.nn'
    (its `_lazy2string` glues the module path to the object name, which for a module is the
    module path again). mmlight may fix that to 'torch' / 'torch.nn'; both are accepted.
    """
    if isinstance(value, str) and len(value) % 2 == 1:
        cut = len(value) // 2
        if value[cut] == "." and value[:cut] == value[cut + 1 :]:
            return value[:cut]
    return None


@pytest.mark.parametrize("rel", LAZY_FILES)
def test_keep_imported_parity(rel: str, mml: types.ModuleType, mmengine_copy: Path) -> None:
    expected = load_oracle(rel, mmengine_copy).to_dict(keep_imported=True)
    actual = load_mml(mml, rel).to_dict(keep_imported=True)
    for key, value in expected.items():
        sane = _sane_module_string(value)
        if sane is not None and actual.get(key) == sane:
            expected[key] = sane
    assert_same(expected, actual, f"{rel} to_dict(keep_imported=True)")


@pytest.mark.parametrize("rel", ENV_FILES)
def test_env_variables_set_parity(
    rel: str, mml: types.ModuleType, mmengine_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV_VALUES.items():
        monkeypatch.setenv(name, value)
    expected = load_oracle(rel, mmengine_copy)
    actual = load_mml(mml, rel)
    assert expected.env_variables, "the oracle should have used the environment"
    assert_same(expected.to_dict(), actual.to_dict(), f"{rel} to_dict() with env set")
    assert_same(expected.env_variables, actual.env_variables, f"{rel} env_variables")


# (file, fromfile keyword arguments); the oracle either loads both or refuses both
KWARG_CASES: list[tuple[str, dict[str, Any]]] = [
    ("predefined/predefined.py", {"use_predefined_variables": False}),
    ("predefined/predefined.yaml", {"use_predefined_variables": False}),
    ("predefined/predefined.json", {"use_predefined_variables": False}),
    ("env/env_string.py", {"use_environment_variables": False}),
    ("custom_imports/with_plugin.py", {"import_custom_modules": False}),
    ("formats/plain.py", {"lazy_import": True}),
    ("formats/plain.py", {"format_python_code": False}),
    ("lazy/toy_mmengine.py", {"lazy_import": True}),
]
# (file, kwargs, builtin type the oracle raises, patterns mmlight's message must contain)
KWARG_REFUSALS: list[tuple[str, dict[str, Any], type[BaseException], tuple[str, ...]]] = [
    # a `_base_ =` config forced into new-style parsing
    ("inherit/child_str_base.py", {"lazy_import": True}, RuntimeError, (r"child_str_base\.py",)),
]


@pytest.mark.parametrize(("rel", "kwargs"), KWARG_CASES, ids=lambda v: str(v))
def test_fromfile_kwargs_parity(
    rel: str, kwargs: dict[str, Any], mml: types.ModuleType, mmengine_copy: Path
) -> None:
    expected = load_oracle(rel, mmengine_copy, **kwargs)
    actual = load_mml(mml, rel, **kwargs)
    assert_same(expected.to_dict(), actual.to_dict(), f"{rel} {kwargs}")


@pytest.mark.parametrize(("rel", "kwargs", "builtin", "patterns"), KWARG_REFUSALS)
def test_fromfile_kwargs_refusal_parity(
    rel: str,
    kwargs: dict[str, Any],
    builtin: type[BaseException],
    patterns: tuple[str, ...],
    mml: types.ModuleType,
    mmengine_copy: Path,
) -> None:
    with pytest.raises(Exception) as oracle_error:
        load_oracle(rel, mmengine_copy, **kwargs)
    assert builtin_base(oracle_error.type) is builtin
    with pytest.raises(mml.ConfigError, match=mentions(*patterns)) as error:
        load_mml(mml, rel, **kwargs)
    assert isinstance(error.value, builtin)


def test_lazy_import_false_allows_mixing_styles(mml: types.ModuleType) -> None:
    """`lazy_import=False` skips the style check: an old-style child of a new-style base loads.

    The base then runs as plain Python (its plugin import really happens, the module is dropped).
    """
    path = str(REFUSED_DIR / "mix_text_child_of_lazy.py")
    expected = MMEConfig.fromfile(path, lazy_import=False).to_dict()
    assert_same(expected, mml.Config.fromfile(path, lazy_import=False).to_dict(), "forced")


def test_lazy_import_false_on_new_style_config(mml: types.ModuleType) -> None:
    """Forcing old-style parsing on a new-style config: mmengine fails obscurely.

    mmengine runs the file as plain Python, where `from ._base_... import *` has no package:
    `KeyError: "'__name__' not in globals"`. mmlight must refuse it with a ConfigError that
    names the file (its builtin type is not pinned, mmengine's is an accident).
    """
    with pytest.raises(KeyError, match="__name__"):
        MMEConfig.fromfile(str(LOADABLE / "lazy/toy_mmengine.py"), lazy_import=False)
    with pytest.raises(mml.ConfigError, match=r"toy_mmengine\.py"):
        load_mml(mml, "lazy/toy_mmengine.py", lazy_import=False)


def test_fromfile_accepts_path_objects(mml: types.ModuleType) -> None:
    path = LOADABLE / "inherit/child_list_bases.py"
    assert_same(
        MMEConfig.fromfile(path).to_dict(), mml.Config.fromfile(path).to_dict(), "Path input"
    )


def test_custom_imports_are_imported(
    mml: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, PLUGIN, raising=False)
    load_mml(mml, "custom_imports/with_plugin.py", import_custom_modules=False)
    assert PLUGIN not in sys.modules
    load_mml(mml, "custom_imports/with_plugin.py")
    assert PLUGIN in sys.modules


def _warnings_of(load: Callable[[], Any]) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load()
    return caught


@pytest.mark.parametrize(
    ("rel", "category", "patterns"),
    [
        (
            "pycode/deprecated.py",
            DeprecationWarning,
            (r"deprecated\.py", r"plain\.py", "https://example.com/configs/renamed"),
        ),
        # the base's deprecation still warns when a child loads it, naming the base
        ("pycode/deprecated_child.py", DeprecationWarning, (r"deprecated\.py", r"plain\.py")),
        ("custom_imports/allow_failed.py", UserWarning, ("mmlight_corpus_no_such_module",)),
    ],
)
def test_warning_parity(
    rel: str,
    category: type[Warning],
    patterns: tuple[str, ...],
    mml: types.ModuleType,
    mmengine_copy: Path,
) -> None:
    oracle = [w for w in _warnings_of(lambda: load_oracle(rel, mmengine_copy))]
    assert any(issubclass(w.category, category) for w in oracle)
    ours = [
        str(w.message)
        for w in _warnings_of(lambda: load_mml(mml, rel))
        if issubclass(w.category, category)
    ]
    assert ours, f"mmlight emitted no {category.__name__} for {rel}"
    assert any(re.search(mentions(*patterns), text) for text in ours), ours


@pytest.mark.parametrize("rel", DUMPABLE_FILES)
def test_copy_and_pickle_keep_the_dict(
    rel: str, mml: types.ModuleType, mmengine_copy: Path
) -> None:
    """copy, deepcopy and pickle keep the dict - wherever the oracle manages them too.

    (A new-style config that imports stdlib modules holds module objects, which neither
    deepcopy nor pickle can handle; mmengine fails on those and so may mmlight.)
    """
    oracle = load_oracle(rel, mmengine_copy)
    expected = oracle.to_dict()
    cfg = load_mml(mml, rel)
    round_trips: dict[str, Callable[[Any], Any]] = {
        "copy.copy": copy.copy,
        "copy.deepcopy": copy.deepcopy,
        "pickle": lambda c: pickle.loads(pickle.dumps(c)),
    }
    for name, round_trip in round_trips.items():
        try:
            round_trip(oracle)
        except TypeError:
            continue
        assert_same(expected, round_trip(cfg).to_dict(), name)


# Configs without bases or file-dependent values, so they survive Config.fromstring's temp file.
FROMSTRING_FILES = [
    "formats/plain.py",
    "formats/plain.json",
    "formats/plain.yaml",
    "formats/plain.yml",
    "values/values.py",
    "values/values.json",
    "values/values.yaml",
    "env/env_quoted.py",
    "pycode/code_kept_dropped.py",
    "lazy/module_attrs.py",
]


@pytest.mark.parametrize("rel", FROMSTRING_FILES)
def test_fromstring_parity(rel: str, mml: types.ModuleType) -> None:
    text = (LOADABLE / rel).read_text(encoding="utf-8")
    suffix = Path(rel).suffix
    expected = MMEConfig.fromstring(text, suffix).to_dict()
    assert_same(expected, mml.Config.fromstring(text, suffix).to_dict(), f"fromstring({rel})")


@pytest.mark.parametrize(
    "rel",
    [
        "inherit/child_list_bases.py",
        "inherit/sub/deeper/child_two_up.yaml",
        "inherit/chain_4_leaf.yml",
        "inherit/child_of_json.json",
    ],
)
def test_fromfile_fsspec_url_with_bases(rel: str, mml: types.ModuleType) -> None:
    """A config tree on an fsspec filesystem: relative `_base_` paths resolve there too."""
    import fsspec

    memory = fsspec.filesystem("memory")
    folder = f"mmlight-config-parity-{uuid.uuid4().hex}"
    try:
        for path in (LOADABLE / "inherit").rglob("*"):
            if path.is_file():
                memory.pipe(f"/{folder}/{path.relative_to(LOADABLE).as_posix()}", path.read_bytes())
        expected = MMEConfig.fromfile(str(LOADABLE / rel)).to_dict()
        actual = mml.Config.fromfile(f"memory://{folder}/{rel}").to_dict()
        assert_same(expected, actual, f"memory://{folder}/{rel}")
    finally:
        memory.rm(f"/{folder}", recursive=True)


# --------------------------------------------------------------------------------------------
# text round trips: pretty_text, dump() to files, to strings and to fsspec URLs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", DUMPABLE_FILES)
def test_pretty_text_reloads(rel: str, mml: types.ModuleType, mmengine_copy: Path) -> None:
    expected = load_oracle(rel, mmengine_copy).to_dict()
    text = load_mml(mml, rel).pretty_text
    assert_same(expected, mml.Config.fromstring(text, ".py").to_dict(), "mmlight reload")
    assert_same(expected, MMEConfig.fromstring(text, ".py").to_dict(), "mmengine reload")


@pytest.mark.parametrize("fmt", ["py", "json", "yaml"])
@pytest.mark.parametrize("rel", DUMPABLE_FILES)
def test_dump_reload_parity(
    rel: str, fmt: str, mml: types.ModuleType, mmengine_copy: Path, tmp_path: Path
) -> None:
    """Each library dumps; each library reloads both dumps; all four dicts are the same.

    The reference is mmengine reloading its own dump (JSON turns tuples into lists and int
    keys into strings; that loss is part of the format, and mmlight must lose the same way).
    """
    by_mmengine = tmp_path / f"by_mmengine.{fmt}"
    by_mmlight = tmp_path / f"by_mmlight.{fmt}"
    load_oracle(rel, mmengine_copy).dump(str(by_mmengine))
    load_mml(mml, rel).dump(str(by_mmlight))
    expected = MMEConfig.fromfile(str(by_mmengine)).to_dict()
    assert_same(expected, mml.Config.fromfile(str(by_mmlight)).to_dict(), "mmlight <- mmlight")
    assert_same(expected, MMEConfig.fromfile(str(by_mmlight)).to_dict(), "mmengine <- mmlight")
    assert_same(expected, mml.Config.fromfile(str(by_mmengine)).to_dict(), "mmlight <- mmengine")


def _parse_dumped_string(text: str, filename: str) -> Any:
    suffix = Path(filename).suffix
    if suffix == ".json":
        return json.loads(text)
    if suffix in (".yaml", ".yml"):
        return mmengine.load(io.StringIO(text), file_format="yaml")
    return MMEConfig.fromstring(text, ".py").to_dict()


@pytest.mark.parametrize("rel", DUMPABLE_FILES)
def test_dump_to_string_parity(rel: str, mml: types.ModuleType, mmengine_copy: Path) -> None:
    """`dump()` without a file returns text in the config's own format (.py -> pretty_text)."""
    expected = _parse_dumped_string(load_oracle(rel, mmengine_copy).dump(), rel)
    assert_same(expected, _parse_dumped_string(load_mml(mml, rel).dump(), rel), "dump()")


@pytest.mark.parametrize("fmt", ["py", "json", "yaml"])
@pytest.mark.parametrize("rel", MEMORY_URL_FILES)
def test_dump_to_fsspec_url(
    rel: str, fmt: str, mml: types.ModuleType, mmengine_copy: Path, tmp_path: Path
) -> None:
    import fsspec

    reference_file = tmp_path / f"reference.{fmt}"
    load_oracle(rel, mmengine_copy).dump(str(reference_file))
    expected = MMEConfig.fromfile(str(reference_file)).to_dict()

    folder = f"mmlight-config-parity-{uuid.uuid4().hex}"
    url = f"memory://{folder}/sub/cfg.{fmt}"
    memory = fsspec.filesystem("memory")
    try:
        load_mml(mml, rel).dump(url)
        assert memory.exists(f"/{folder}/sub/cfg.{fmt}")
        assert_same(expected, mml.Config.fromfile(url).to_dict(), f"reload of {url}")
    finally:
        if memory.exists(f"/{folder}"):
            memory.rm(f"/{folder}", recursive=True)


# --------------------------------------------------------------------------------------------
# refused corpus
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """How the oracle refuses a file and what mmlight's error must say."""

    oracle: type[BaseException]  # the builtin type mmengine's exception derives from
    patterns: tuple[str, ...]  # regexes mmlight's message must all contain
    expect: type[BaseException] | None = None  # mmlight's builtin type, when not `oracle`


LINE = r"line {0}\b|:{0}\b"

REFUSED: dict[str, Refusal] = {
    # mmengine: SyntaxError without the file name ("'(' was never closed (<unknown>, line 3)")
    "syntax_error.py": Refusal(SyntaxError, (r"syntax_error\.py", LINE.format(3))),
    "missing_base.py": Refusal(FileNotFoundError, (r"no_such_base\.py", r"missing_base\.py")),
    # mmengine recurses until RecursionError (a RuntimeError). mmlight must detect the cycle and
    # name its files; RuntimeError (not RecursionError) is required, since no recursion limit
    # is involved
    "cycle_a.py": Refusal(RecursionError, (r"cycle_a\.py", r"cycle_b\.py"), expect=RuntimeError),
    "self_cycle.yaml": Refusal(RecursionError, (r"self_cycle\.yaml",), expect=RuntimeError),
    # mmengine: KeyError('no_such_key') with no file and no path
    "undefined_base_ref.py": Refusal(KeyError, (r"model\.no_such_key", r"undefined_base_ref\.py")),
    "undefined_base_ref.json": Refusal(KeyError, ("learning_rate", r"undefined_base_ref\.json")),
    "undefined_base_ref.yaml": Refusal(KeyError, ("learning_rate", r"undefined_base_ref\.yaml")),
    "undefined_base_var.py": Refusal(AttributeError, ("momentum", r"undefined_base_var\.py")),
    "unknown_ext.toml": Refusal(OSError, (r"\.toml",)),
    "base_unknown_ext.py": Refusal(OSError, (r"settings\.toml",)),
    "duplicate_keys.py": Refusal(KeyError, ("optimizer", r"dup_a\.py", r"dup_b\.yaml")),
    "dict_over_scalar.py": Refusal(
        TypeError, (r"\blr\b", r"dict_over_scalar\.py", r"ok_base\.py", "_delete_")
    ),
    "dict_over_list_nested.yaml": Refusal(
        TypeError, (r"model\.neck", r"dict_over_list_nested\.yaml", r"ok_base\.py")
    ),
    # mmengine raises PyYAML's own errors (no builtin base other than Exception) naming
    # "<file>" instead of the file
    "bad_yaml.yaml": Refusal(Exception, (r"bad_yaml\.yaml", "line [34]|:[34]\\b")),
    "bad_yml.yml": Refusal(Exception, (r"bad_yml\.yml", "line [24]|:[24]\\b")),
    "bad_json.json": Refusal(ValueError, (r"bad_json\.json", LINE.format(4))),
    "reserved_filename.py": Refusal(KeyError, (r"\bfilename\b", r"reserved_filename\.py")),
    "reserved_text.json": Refusal(KeyError, (r"\btext\b", r"reserved_text\.json")),
    "reserved_inherited.yaml": Refusal(
        KeyError, ("pretty_text", r"reserved_base\.py|reserved_inherited\.yaml")
    ),
    "env_unset.py": Refusal(KeyError, ("MMLIGHT_CORPUS_UNSET_VAR", r"env_unset\.py")),
    "env_unset.yaml": Refusal(KeyError, ("MMLIGHT_CORPUS_UNSET_NUM", r"env_unset\.yaml")),
    "mix_text_child_of_lazy.py": Refusal(RuntimeError, (r"lazy_base\.py",)),
    "mix_lazy_child_of_text.py": Refusal(RuntimeError, (r"text_base\.py",)),
    "with_not_read_base.py": Refusal(
        RuntimeError, ("read_base", r"with_not_read_base\.py", LINE.format(6))
    ),
    # mmengine refuses any `with` but read_base() in every .py config, even old-style ones
    "with_in_plain.py": Refusal(RuntimeError, ("read_base", r"with_in_plain\.py")),
    "lazy_star_import.py": Refusal(RuntimeError, (r"torch\.optim", r"lazy_star_import\.py")),
    "lazy_missing_base.py": Refusal(RuntimeError, ("no_such_module", r"lazy_missing_base\.py")),
    # mmengine fails an `assert` here; mmlight must raise a real error (builtin type not pinned)
    "lazy_import_package.py": Refusal(
        AssertionError, (r"from \. import", r"lazy_import_package\.py"), expect=Exception
    ),
    "custom_import_missing.py": Refusal(ImportError, ("mmlight_corpus_no_such_module",)),
    # mmengine: "argument of type 'int' is not iterable" from deep inside its path handling
    "base_not_a_path.py": Refusal(TypeError, ("_base_", r"\bint\b", r"base_not_a_path\.py")),
}


def test_refused_table_covers_the_refused_folder() -> None:
    on_disk = {p.name for p in REFUSED_DIR.iterdir() if p.is_file() and p.suffix != ".md"}
    assert on_disk == set(REFUSED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_oracle_refuses(name: str) -> None:
    with pytest.raises(Exception) as error:
        MMEConfig.fromfile(str(REFUSED_DIR / name))
    assert builtin_base(error.type) is REFUSED[name].oracle, repr(error.value)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refusal_parity(name: str, mml: types.ModuleType) -> None:
    refusal = REFUSED[name]
    with pytest.raises(mml.ConfigError, match=mentions(*refusal.patterns)) as error:
        mml.Config.fromfile(str(REFUSED_DIR / name))
    expected_type = refusal.expect or refusal.oracle
    assert isinstance(error.value, expected_type), (
        f"{name}: {type(error.value).__mro__} is not a {expected_type.__name__}"
    )


def test_missing_file_refusal_parity(mml: types.ModuleType, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "config.py"
    with pytest.raises(FileNotFoundError):
        MMEConfig.fromfile(str(missing))
    with pytest.raises(mml.ConfigError, match=re.escape(str(missing))) as error:
        mml.Config.fromfile(str(missing))
    assert isinstance(error.value, FileNotFoundError)


def test_fromstring_unknown_format_parity(mml: types.ModuleType) -> None:
    with pytest.raises(OSError):
        MMEConfig.fromstring("a = 1", ".toml")
    with pytest.raises(mml.ConfigError, match=r"\.toml") as error:
        mml.Config.fromstring("a = 1", ".toml")
    assert isinstance(error.value, OSError)


# --------------------------------------------------------------------------------------------
# quirks: mmengine loads these wrong or crashes obscurely; mmlight's expectation is explicit
# --------------------------------------------------------------------------------------------


def test_oracle_fix_is_still_needed(_oracle_stdlib_fix: Callable[[str], bool]) -> None:
    """Stock mmengine takes `os` for a third-party module here (see `_oracle_stdlib_fix`)."""
    assert _oracle_stdlib_fix("os") is False


def test_quirk_embedded_base_reference(mml: types.ModuleType) -> None:
    """`'run_{{_base_.name}}'`: mmengine yields `run_"_name_<random hex>"`.

    Expected from mmlight: either the reference is substituted inside the string
    ('run_base') or the file is refused with a ConfigError naming the reference. Never the
    random placeholder.
    """
    path = str(QUIRKS / "embedded_base_ref.py")
    assert MMEConfig.fromfile(path).run_name.startswith('run_"_name_')
    try:
        cfg = mml.Config.fromfile(path)
    except mml.ConfigError as error:
        assert re.search(r"_base_\.name", str(error)), str(error)
    else:
        assert cfg.to_dict() == {
            "name": "base",
            "hooks": {"logger": {"interval": 50}},
            "run_name": "run_base",
        }


def _without_delete_markers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_delete_markers(v) for k, v in value.items() if k != "_delete_"}
    if isinstance(value, (list, tuple)):
        return type(value)(_without_delete_markers(v) for v in value)
    return value


def test_quirk_delete_marker_leaks(mml: types.ModuleType) -> None:
    """`_delete_` on a key the base lacks stays in mmengine's result as `_delete_: True/False`.

    That marker would reach a constructor as a keyword argument. Expected from mmlight: the
    same dict as mmengine, either with the markers (parity) or without them (fixed).
    """
    path = str(QUIRKS / "delete_leak.py")
    expected = MMEConfig.fromfile(path).to_dict()
    assert expected["fresh"]["_delete_"] is True
    actual = mml.Config.fromfile(path).to_dict()
    if first_difference(expected, actual) is not None:
        assert_same(_without_delete_markers(expected), actual, "delete_leak.py, markers dropped")


def test_quirk_bare_stdlib_import_in_new_style_config(
    mml: types.ModuleType, _oracle_stdlib_fix: Callable[[str], bool]
) -> None:
    """A bare `import os` in a new-style config.

    Stock mmengine: lazy `os`, so `os.path.join(...)` raises RuntimeError. Fixed oracle: runs,
    but `os` is not recorded as imported and the module object leaks into to_dict(), which
    then cannot be dumped. Expected from mmlight: `os` runs eagerly and counts as imported -
    to_dict() is the oracle's minus the module, keep_imported=True adds it back, and the
    config dumps and reloads.
    """
    path = str(QUIRKS / "lazy_bare_builtin_import.py")
    oracle = MMEConfig.fromfile(path).to_dict()
    assert isinstance(oracle["os"], types.ModuleType)
    expected = {k: v for k, v in oracle.items() if not isinstance(v, types.ModuleType)}
    cfg = mml.Config.fromfile(path)
    assert_same(expected, cfg.to_dict(), "to_dict()")
    assert cfg.to_dict(keep_imported=True)["os"] is sys.modules["os"]
    assert_same(expected, mml.Config.fromstring(cfg.pretty_text, ".py").to_dict(), "reload")


def test_quirk_env_default_with_regex_characters(
    mml: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`{{'$MMLIGHT_CORPUS_SIZES:[1,2]'}}`: mmengine uses the default text as a regex.

    `[1,2]` then matches nothing, the braces stay and Python sees a set of sets: TypeError,
    with or without the variable set. Expected from mmlight: [1, 2] by default, the
    variable's value when set (and recorded in env_variables).
    """
    path = str(QUIRKS / "env_default_regex_chars.py")
    with pytest.raises(TypeError, match="unhashable"):
        MMEConfig.fromfile(path)
    assert_same({"sizes": [1, 2]}, mml.Config.fromfile(path).to_dict(), "default")
    monkeypatch.setenv(f"{ENV_PREFIX}SIZES", "[3,4]")
    cfg = mml.Config.fromfile(path)
    assert_same({"sizes": [3, 4]}, cfg.to_dict(), "from the environment")
    assert cfg.env_variables == {f"{ENV_PREFIX}SIZES": "[3,4]"}


def test_quirk_files_are_all_covered() -> None:
    covered = {
        "embedded_base_ref.py",
        "delete_leak.py",
        "lazy_bare_builtin_import.py",
        "env_default_regex_chars.py",
        # bases of the above
        "quirk_base.py",
        "lazy_quirk_base.py",
    }
    assert {p.name for p in QUIRKS.iterdir() if p.is_file()} == covered


# --------------------------------------------------------------------------------------------
# merge_from_dict (what --cfg-options does)
# --------------------------------------------------------------------------------------------

MERGE_BASE = "mmdet_like/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py"

MERGE_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("dotted keys", {"model.backbone.depth": 101, "model.backbone.with_cp": True}, True),
    ("list index into a dict", {"train_dataloader.dataset.pipeline.1.with_mask": True}, True),
    ("list index, tuple value", {"train_dataloader.dataset.pipeline.2.scale": (800, 600)}, True),
    ("list index, dict merges", {"param_scheduler.0": {"type": "ConstantLR"}}, True),
    ("list index, nested list value", {"param_scheduler.1.milestones": [5, 7]}, True),
    ("_delete_", {"optim_wrapper.optimizer": {"_delete_": True, "type": "Adam", "lr": 1e-3}}, True),
    ("_delete_ without list keys", {"optim_wrapper.optimizer": {"_delete_": True}}, False),
    ("new keys", {"new_key.sub.leaf": 1, "another": [1, 2]}, True),
    ("list replaces list", {"model.data_preprocessor.mean": [1, 2, 3]}, True),
    ("None replaces dict", {"model.neck": None}, True),
    ("dict merges into dict", {"model.backbone": {"type": "Swin"}}, True),
    ("whole list replaced", {"param_scheduler": [{"type": "X"}]}, True),
    ("plain keys without list keys", {"train_cfg.max_epochs": 3, "work_dir": "./wd"}, False),
]


def _merged(config_cls: Any, path: str, options: dict[str, Any], allow_list_keys: bool) -> Any:
    cfg = config_cls.fromfile(path)
    cfg.merge_from_dict(copy.deepcopy(options), allow_list_keys=allow_list_keys)
    return cfg.to_dict()


@pytest.mark.parametrize(
    ("label", "options", "allow_list_keys"), MERGE_CASES, ids=[c[0] for c in MERGE_CASES]
)
def test_merge_from_dict_parity(
    label: str, options: dict[str, Any], allow_list_keys: bool, mml: types.ModuleType
) -> None:
    path = str(LOADABLE / MERGE_BASE)
    expected = _merged(MMEConfig, path, options, allow_list_keys)
    actual = _merged(mml.Config, path, options, allow_list_keys)
    assert_same(expected, actual, f"merge_from_dict({options}, allow_list_keys={allow_list_keys})")


# (label, options, allow_list_keys, builtin the oracle raises, regexes mmlight must show)
MERGE_ERRORS: list[tuple[str, dict[str, Any], bool, type[BaseException], tuple[str, ...]]] = [
    (
        "index out of range",
        {"param_scheduler.5.begin": 0},
        True,
        KeyError,
        (r"param_scheduler\.5",),
    ),
    (
        "index without list keys",
        {"param_scheduler.0.begin": 0},
        False,
        TypeError,
        (r"param_scheduler\.0",),
    ),
    ("dict over a string", {"model.type.x": 1}, True, TypeError, (r"model\.type",)),
    (
        "index into a tuple",
        {"model.backbone.out_indices.1": 7},
        True,
        TypeError,
        (r"model\.backbone\.out_indices",),
    ),
    # mmengine: "list indices must be integers or slices, not str", naming nothing
    (
        "name into a list",
        {"param_scheduler.begin": 0},
        True,
        TypeError,
        (r"param_scheduler\.begin",),
    ),
    (
        "negative index",
        {"train_dataloader.dataset.pipeline.-1.prob": 0.1},
        True,
        TypeError,
        (r"pipeline\.-1",),
    ),
]


@pytest.mark.parametrize(
    ("label", "options", "allow_list_keys", "builtin", "patterns"),
    MERGE_ERRORS,
    ids=[c[0] for c in MERGE_ERRORS],
)
def test_merge_from_dict_error_parity(
    label: str,
    options: dict[str, Any],
    allow_list_keys: bool,
    builtin: type[BaseException],
    patterns: tuple[str, ...],
    mml: types.ModuleType,
) -> None:
    path = str(LOADABLE / MERGE_BASE)
    with pytest.raises(Exception) as oracle_error:
        _merged(MMEConfig, path, options, allow_list_keys)
    assert builtin_base(oracle_error.type) is builtin
    with pytest.raises(mml.ConfigError, match=mentions(*patterns)) as error:
        _merged(mml.Config, path, options, allow_list_keys)
    assert isinstance(error.value, builtin)


@pytest.mark.parametrize(
    ("options", "replaced"),
    [
        ({"model.data_preprocessor.mean.0": 1.0}, ("model", "data_preprocessor", "mean", 0)),
        ({"param_scheduler.0": 5}, ("param_scheduler", 0)),
    ],
)
def test_quirk_merge_scalar_into_list_element(
    options: dict[str, Any], replaced: tuple[Any, ...], mml: types.ModuleType
) -> None:
    """Setting one list element to a non-dict: mmengine crashes with AttributeError.

    (`'float' object has no attribute 'copy'` / `'int' object has no attribute 'items'`.)
    Expected from mmlight: either the element is replaced (the obvious meaning of
    `--cfg-options model.data_preprocessor.mean.0=1.0`) or a ConfigError names the key.
    """
    path = str(LOADABLE / MERGE_BASE)
    with pytest.raises(AttributeError):
        _merged(MMEConfig, path, options, True)
    try:
        actual = _merged(mml.Config, path, options, True)
    except mml.ConfigError as error:
        assert next(iter(options)) in str(error), str(error)
        return
    expected = MMEConfig.fromfile(path).to_dict()
    holder = expected
    for step in replaced[:-1]:
        holder = holder[step]
    holder[replaced[-1]] = next(iter(options.values()))
    assert_same(expected, actual, f"merge_from_dict({options})")


# --------------------------------------------------------------------------------------------
# DictAction (argparse --cfg-options parsing)
# --------------------------------------------------------------------------------------------

DICT_ACTION_ARGS = [
    "int=1",
    "neg=-3",
    "underscored=1_000",
    "float=1.5",
    "exp=1e3",
    "trailing_dot=1.",
    "leading_dot=.5",
    "neg_zero=-0.0",
    "inf=inf",
    "nan=nan",
    "hex=0x10",
    "true=true",
    "false=False",
    "upper=TRUE",
    "none=None",
    "lower_none=none",
    "word=hello",
    "empty=",
    "has_equals=a=b",
    "comma_list=1,2,3",
    "bracket_list=[1,2]",
    "tuple=(1,2)",
    "one_tuple=(1,)",
    "empty_list=[]",
    "empty_tuple=()",
    "trailing_comma=[1,]",
    "nested=[(1,2),(3,4)]",
    "deep=[[a,b],[c,(d,e)]]",
    "spaced=[a, [b, (c, d)], e]",
    "mixed=[None,true,1.5]",
    "double_paren=((1))",
    "empties=[[],()]",
    'dq="quoted"',
    "sq='x,y'",
    'quoted_list="[1,2]"',
    "padded=  spaced  ",
    "inner_space=a b",
    "model.backbone.depth=50",
]


def _parser(action: type[argparse.Action]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parity", exit_on_error=False)
    parser.add_argument("--cfg-options", nargs="+", action=action)
    return parser


@pytest.mark.parametrize("arg", DICT_ACTION_ARGS)
def test_dict_action_parity(arg: str, mml: types.ModuleType) -> None:
    expected = _parser(MMEDictAction).parse_args(["--cfg-options", arg]).cfg_options
    actual = _parser(mml.DictAction).parse_args(["--cfg-options", arg]).cfg_options
    assert_same(expected, actual, f"DictAction {arg!r}")


def test_dict_action_accumulates_repeated_options(mml: types.ModuleType) -> None:
    argv = ["--cfg-options", "a=1", "b=[2]", "--cfg-options", "a=3", "c=(4,)"]
    expected = _parser(MMEDictAction).parse_args(argv).cfg_options
    assert_same(expected, _parser(mml.DictAction).parse_args(argv).cfg_options, "repeated")


@pytest.mark.parametrize(
    ("arg", "oracle"),
    [
        ("x=[1,2", AssertionError),
        ("x=(1,2]", AssertionError),
        ("x=[1,2)", AssertionError),
        ("x=1,2]", AssertionError),
        ("noequals", ValueError),
    ],
)
def test_dict_action_error_parity(
    arg: str, oracle: type[BaseException], mml: types.ModuleType
) -> None:
    """mmengine fails an `assert` (brackets) or a tuple unpacking (no '=').

    Expected from mmlight: a real error naming the offending text - a ConfigError, or
    argparse's own ArgumentError (which argparse turns into a usage message on the command
    line). The builtin type is not pinned: mmengine's are accidents of its implementation.
    """
    with pytest.raises(oracle):
        _parser(MMEDictAction).parse_args(["--cfg-options", arg])
    with pytest.raises((mml.ConfigError, argparse.ArgumentError)) as error:
        _parser(mml.DictAction).parse_args(["--cfg-options", arg])
    culprit = arg.split("=", 1)[1] if "=" in arg else arg
    assert culprit in str(error.value), str(error.value)
