"""`_base_`-style configs (.py/.json/.yaml): inheritance, substitutions, code rules, errors."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mmlight.config import Config, ConfigDict, ConfigError

Write = Callable[[str, str], str]


def load(path: str | Path, **kwargs: object) -> Config:
    return Config.fromfile(str(path), **kwargs)  # type: ignore[arg-type]


# ---- formats ----------------------------------------------------------------------------


@pytest.mark.parametrize("ext", ["py", "json", "yaml", "yml"])
def test_each_format_loads(write: Write, ext: str) -> None:
    text = {
        "py": "item1 = [1, 2]\nitem2 = dict(a=0)\nitem3 = (1, 2.5)\n",
        "json": json.dumps({"item1": [1, 2], "item2": {"a": 0}, "item3": [1, 2.5]}),
        "yaml": "item1: [1, 2]\nitem2: {a: 0}\nitem3: !!python/tuple [1, 2.5]\n",
    }[ext if ext != "yml" else "yaml"]
    cfg = load(write(f"simple.config.{ext}", text))
    assert cfg.item1 == [1, 2] and cfg.item2.a == 0
    assert type(cfg.item2) is ConfigDict
    assert list(cfg.item3) == [1, 2.5]


def test_empty_yaml_is_empty_config(write: Write) -> None:
    assert load(write("empty.yaml", "")).to_dict() == {}


def test_yaml_refuses_arbitrary_python_objects(write: Write) -> None:
    path = write("evil.yaml", "a: 1\nb: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(yaml.YAMLError, match=r"evil\.yaml, line 2: b: !!python/object"):
        load(path)


def test_yaml_top_level_must_be_mapping(write: Write) -> None:
    with pytest.raises(TypeError, match=r"list\.yaml must hold a mapping.*holds a list"):
        load(write("list.yaml", "- 1\n- 2\n"))


# ---- inheritance ------------------------------------------------------------------------


def test_mixed_format_bases_merge(data: Path) -> None:
    cfg = load(data / "text/multi.py")
    assert cfg.item1 == [1, 2]
    assert cfg.item2 == dict(a=0, b=1)  # dicts merge
    assert cfg.item3 is False  # scalars override
    assert cfg.item5 == dict(a=0, b=1)
    assert cfg.item6 == [dict(c=2)]  # lists replace
    assert cfg.item7.b.c == [3.1, 4.2, 5.3]
    # text holds every file, bases first, each headed by its path
    files = re.findall(r"^(/\S+\.(?:py|yaml|json))$", cfg.text, flags=re.M)
    assert [Path(f).name for f in files] == [
        "base.py",
        "base_data.yaml",
        "base_model.json",
        "multi.py",
    ]


def test_relative_bases_in_other_directories_and_depth(data: Path) -> None:
    cfg = load(data / "text/sub/grandchild.yaml")
    assert cfg.item1 == [7] and cfg.item4 == "from_sub" and cfg.item2 == dict(a=0)


def test_string_base_and_child_in_subdir(write: Write) -> None:
    write("a/base.json", '{"x": 1, "y": {"z": 2}}')
    path = write("a/b/c/child.py", "_base_ = '../../base.json'\ny = dict(w=3)\n")
    assert load(path).to_dict() == {"x": 1, "y": {"z": 2, "w": 3}}


def test_delete_replaces_base_dict(data: Path) -> None:
    cfg = load(data / "text/delete.py")
    assert cfg.item2 == dict(b=1)
    assert type(cfg.item2) is ConfigDict
    # like mmengine, `_delete_` stays in a dict that had nothing to replace
    assert cfg.item9 == dict(_delete_=True, c=1)


def test_intermediate_variables_are_not_rebound(data: Path) -> None:
    cfg = load(data / "text/intermediate_child.py")
    assert cfg.item_cfg == dict(b=2)
    assert cfg.item5 == dict(cfg=dict(b=1))
    assert cfg.item6 == dict(cfg=dict(b=2))


def test_default_scope_and_scope_are_plain_data(data: Path) -> None:
    cfg = load(data / "text/scope.py")
    assert cfg.default_scope == "mmdet" and cfg.model._scope_ == "mmcls"


# ---- base references ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["refs.py", "refs.json", "refs.yaml"])
def test_text_base_references(data: Path, name: str) -> None:
    cfg = load(data / "text" / name)
    assert cfg.ref_whole == dict(a=0)
    assert cfg.ref_deep == [3.1, 4.2, 5.3]
    assert cfg.ref_in_list == ["test", dict(x=[1, 2])]
    if name == "refs.py":
        assert cfg.ref_in_tuple == (True,)
        assert cfg.reused == [3.1, 4.2, 5.3]
        assert cfg.name == "refs.py"


def test_base_reference_values_are_copies(data: Path) -> None:
    cfg = load(data / "text/refs.py")
    cfg.ref_whole.a = 99
    assert cfg.item2.a == 0


def test_base_variables_in_python(data: Path) -> None:
    cfg = load(data / "text/py_vars.py")
    assert (cfg.first, cfg.second) == (1, 2)
    assert cfg.nested == dict(a=dict(b=dict(a=0)), c=["test"])
    assert cfg.item6 == [dict(c=0), dict(b=1)]  # mutation of _base_ reaches the result
    assert cfg.item5.a == 10
    assert "_base_" not in cfg


def test_missing_base_reference_names_key_file_and_close_names(write: Write) -> None:
    write("base.py", "model = dict(backbone=dict(depth=50))\n")
    path = write(
        "child.py", "_base_ = './base.py'\nx = 1\ndepth = {{_base_.model.backbone.dpth}}\n"
    )
    with pytest.raises(
        KeyError,
        match=r"`\{\{_base_\.model\.backbone\.dpth\}\}` in .*child\.py, line 3.*"
        r"'_base_\.model\.backbone' has no key 'dpth'\. Did you mean 'depth'\?",
    ):
        load(path)


def test_base_reference_into_list_by_index(write: Write) -> None:
    write("base.py", "pipeline = [dict(a=1), dict(b=2)]\n")
    path = write("child.py", "_base_ = './base.py'\nsecond = {{_base_.pipeline.1}}\n")
    assert load(path).second == dict(b=2)


def test_base_reference_through_scalar(write: Write) -> None:
    write("base.py", "lr = 0.1\n")
    path = write("child.py", "_base_ = './base.py'\nx = {{_base_.lr.value}}\n")
    with pytest.raises(KeyError, match=r"'_base_\.lr' is a float, not a dict"):
        load(path)


def test_base_reference_inside_string_is_refused(write: Write) -> None:
    write("base.py", "name = 'r50'\n")
    path = write("child.py", "_base_ = './base.py'\nwork_dir = 'runs/{{_base_.name}}'\n")
    with pytest.raises(ValueError, match=r"child\.py, line 2: .* must stand as a whole value"):
        load(path)


def test_missing_base_variable_in_python(write: Write) -> None:
    write("base.py", "optimizer = dict(lr=0.1)\n")
    path = write("child.py", "_base_ = './base.py'\n\nlr = _base_.optimzer.lr\n")
    with pytest.raises(
        AttributeError,
        match=r"no attribute 'optimzer'\. Did you mean 'optimizer'\? "
        r"\(in .*child\.py, line 3: lr = _base_\.optimzer\.lr\)",
    ):
        load(path)
    path = write("child2.py", "_base_ = './base.py'\nlr = _base_.optimizer['lrr']\n")
    with pytest.raises(
        KeyError, match=r"'lrr' is not a key.*Did you mean 'lr'.*child2\.py, line 2"
    ):
        load(path)


# ---- what .py configs keep --------------------------------------------------------------


def test_python_code_kept_and_dropped(data: Path) -> None:
    cfg = load(data / "text/code.py")
    keys = set(cfg.keys())
    # modules and Python functions are dropped, as are `__names`
    assert not keys & {"osp", "join", "helper", "__dunder"}
    # classes, builtin functions and `_private` names stay (as in mmengine)
    assert {"Marker", "marker", "sqrt", "builtin_fn", "_private", "value", "root"} <= keys
    assert cfg.value == "made by helper" and cfg.root == os.path.join("a", "b")


def test_config_code_may_call_config_fromfile(write: Write) -> None:
    base = write("other.py", "a = [1, 2]\n")
    path = write(
        "code.py",
        f"from mmengine import Config\ncfg = Config.fromfile({base!r})\nb = cfg.a[0] + 1\n",
    )
    cfg = load(path)
    assert cfg.b == 2 and cfg.cfg.a == [1, 2]


# ---- substitutions ------------------------------------------------------------------------


def test_predefined_variables(data: Path) -> None:
    path = data / "text/predefined.py"
    cfg = load(path)
    assert cfg.dirname == path.parent.as_posix()
    assert (cfg.basename, cfg.stem, cfg.ext) == ("predefined.py", "abc_predefined", ".py")
    raw = load(path, use_predefined_variables=False)
    assert raw.basename == "{{fileBasename}}" and raw.dirname == "{{ fileDirname }}"


@pytest.mark.parametrize("ext", ["json", "yaml"])
def test_predefined_variables_in_data_formats(write: Write, ext: str) -> None:
    text = '{"d": "{{ fileDirname }}"}' if ext == "json" else "d: '{{ fileDirname }}'\n"
    path = write(f"pre.{ext}", text)
    assert load(path).d == Path(path).parent.as_posix()


def test_environment_variables(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = data / "text/env.py"
    for name in ("MMLIGHT_TEST_ROOT", "MMLIGHT_TEST_NUM", "MMLIGHT_TEST_TAG"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(
        KeyError,
        match=r"`MMLIGHT_TEST_TAG` cannot be found in `os\.environ`.*env\.py, line 3",
    ):
        load(path)
    monkeypatch.setenv("MMLIGHT_TEST_TAG", "exp1")
    cfg = load(path)
    assert (cfg.root, cfg.num, cfg.tag) == ("/data/images", 80, "exp1")
    assert cfg.env_variables == {"MMLIGHT_TEST_TAG": "exp1"}
    monkeypatch.setenv("MMLIGHT_TEST_ROOT", "/mnt")
    monkeypatch.setenv("MMLIGHT_TEST_NUM", "21")
    cfg = load(path)
    assert (cfg.root, cfg.num) == ("/mnt/images", 21)
    assert set(cfg.env_variables) == {"MMLIGHT_TEST_ROOT", "MMLIGHT_TEST_NUM", "MMLIGHT_TEST_TAG"}


def test_environment_variables_can_be_disabled(write: Write) -> None:
    path = write("env.py", "tag = '{{ $MMLIGHT_TEST_UNSET_Y: }}'\n")
    assert load(path, use_environment_variables=False).tag == "{{ $MMLIGHT_TEST_UNSET_Y: }}"


def test_environment_variables_of_bases_are_recorded(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MMLIGHT_TEST_BASE", "base_value")
    write("base.yaml", "x: '{{$MMLIGHT_TEST_BASE:default}}'\n")
    cfg = load(write("child.json", '{"_base_": "./base.yaml", "y": 1}'))
    assert cfg.x == "base_value" and cfg.env_variables == {"MMLIGHT_TEST_BASE": "base_value"}


def test_environment_default_with_special_characters(write: Write) -> None:
    path = write("env.py", "a = '{{$MMLIGHT_TEST_UNSET_X:C:\\\\x(1)+.*}}'\n")
    assert load(path).a == "C:\\x(1)+.*"


def test_empty_environment_variable_without_default(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MMLIGHT_TEST_EMPTY", "")
    with pytest.raises(KeyError, match=r"`MMLIGHT_TEST_EMPTY` is empty in `os\.environ`"):
        load(write("env.py", "a = '{{$MMLIGHT_TEST_EMPTY:}}'\n"))


# ---- deprecation / custom imports -------------------------------------------------------


def test_deprecation_warning(data: Path) -> None:
    with pytest.warns(
        DeprecationWarning,
        match=r"deprecated\.py will be deprecated in the future\. Please use new\.py instead\. "
        r"More information can be found at https://example\.com/why",
    ):
        cfg = load(data / "text/deprecated.py")
    assert "_deprecation_" not in cfg and cfg.item1 == [1, 2]
    with pytest.warns(DeprecationWarning, match=r"deprecated\.py will be deprecated"):
        child = load(data / "text/deprecated_child.py")
    assert "_deprecation_" not in child


def test_custom_imports(write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write("mmlight_test_custom_mod.py", "import os\nos.environ['MMLIGHT_TEST_CUSTOM'] = 'yes'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("MMLIGHT_TEST_CUSTOM", raising=False)
    path = write("cfg.py", "custom_imports = dict(imports=['mmlight_test_custom_mod'])\n")
    load(path, import_custom_modules=False)
    assert "MMLIGHT_TEST_CUSTOM" not in os.environ
    cfg = load(path)
    assert os.environ["MMLIGHT_TEST_CUSTOM"] == "yes"
    assert cfg.custom_imports.imports == ["mmlight_test_custom_mod"]


def test_custom_imports_failure(write: Write) -> None:
    path = write("cfg.py", "custom_imports = dict(imports=['mmlight_no_such_module_x'])\n")
    with pytest.raises(
        ImportError,
        match=r"(?s)Failed to import custom modules from .*mmlight_no_such_module_x.*cfg\.py"
        r".*sys\.path is:.*PYTHONPATH",
    ):
        load(path)
    allowed = write(
        "ok.py",
        "custom_imports = dict(imports=['mmlight_no_such_module_x'], allow_failed_imports=True)\n",
    )
    with pytest.warns(UserWarning, match="mmlight_no_such_module_x"):
        load(allowed)


def test_custom_imports_must_be_a_dict(write: Write) -> None:
    with pytest.raises(TypeError, match=r"custom_imports in .*cfg\.py must be a dict"):
        load(write("cfg.py", "custom_imports = ['x']\n"))


# ---- errors -----------------------------------------------------------------------------


def test_syntax_error_names_file_line_and_text(write: Write) -> None:
    path = write("bad.py", "a = 1\nb = dict(x=1,\nc = 3))\n")
    with pytest.raises(
        SyntaxError, match=r"syntax errors in config file .*bad\.py, line 3: .*\n    c = 3\)\)"
    ) as error:
        load(path)
    assert isinstance(error.value, ConfigError)
    assert error.value.lineno == 3 and error.value.filename == path


def test_syntax_error_in_base_names_the_base(write: Write) -> None:
    write("base.py", "x = [\n")
    with pytest.raises(SyntaxError, match=r"base\.py, line 1"):
        load(write("child.py", "_base_ = './base.py'\n"))


@pytest.mark.parametrize(
    ("name", "text", "error", "pattern"),
    [
        ("bad.json", '{"a": 1,\n "b": }\n', json.JSONDecodeError, r"bad\.json, line 2 column 7"),
        ("bad.yaml", "a: 1\n  b: 2\n", yaml.YAMLError, r"bad\.yaml, line 2: b: 2"),
        ("bad.yml", "a: [1, 2\n", yaml.YAMLError, r"bad\.yml, line 1: a: \[1, 2"),
    ],
)
def test_bad_data_files_name_file_and_line(
    write: Write, name: str, text: str, error: type, pattern: str
) -> None:
    with pytest.raises(error, match=pattern) as info:
        load(write(name, text))
    assert isinstance(info.value, ConfigError)


def test_missing_base_file(write: Write) -> None:
    path = write("child.py", "_base_ = ['./nope.py']\n")
    with pytest.raises(
        FileNotFoundError,
        match=r"Base config './nope\.py' not found: resolved to '.*/nope\.py', requested by "
        r"`_base_` in .*child\.py",
    ):
        load(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"Config file .*no_such\.py.* does not exist"):
        load(tmp_path / "no_such.py")


def test_unknown_extension(write: Write) -> None:
    with pytest.raises(
        OSError, match=r"Only py/yml/yaml/json.*'\.toml'; valid extensions: \.py, \.json"
    ):
        load(write("cfg.toml", "a = 1\n"))


def test_inheritance_cycle(write: Write) -> None:
    write("a.py", "_base_ = './b.yaml'\n")
    write("b.yaml", "_base_: ./a.py\n")
    with pytest.raises(RecursionError, match=r"cycle: .*a\.py -> .*b\.yaml -> .*a\.py"):
        load(write("top.py", "_base_ = './a.py'\n"))


def test_duplicate_keys_among_bases(write: Write) -> None:
    write("b1.py", "x = 1\ny = 2\n")
    write("b2.yaml", "x: 3\n")
    with pytest.raises(
        KeyError,
        match=r"Duplicate key is not allowed among bases.*'x' is defined by both .*b1\.py "
        r"and .*b2\.yaml",
    ):
        load(write("child.py", "_base_ = ['./b1.py', './b2.yaml']\n"))


def test_dict_over_non_dict(write: Write) -> None:
    write("base.json", '{"model": {"neck": [1, 2]}}')
    path = write("child.py", "_base_ = './base.json'\nmodel = dict(neck=dict(a=1))\n")
    with pytest.raises(
        TypeError,
        match=r"model\.neck=\{'a': 1\} in child config .*child\.py cannot inherit from base "
        r"because model\.neck is a dict .* type list in base config .*base\.json.*_delete_",
    ):
        load(path)
    ok = write("ok.py", "_base_ = './base.json'\nmodel = dict(neck=dict(_delete_=True, a=1))\n")
    assert load(ok).model.neck == dict(a=1)


def test_external_base_of_a_package_that_is_not_installed(write: Write) -> None:
    path = write("child.py", "_base_ = 'mmnotthere::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'\n")
    with pytest.raises(
        ModuleNotFoundError, match=r"mmnotthere is not installed, please install mmnotthere "
        r"manually \(base config 'mmnotthere::faster_rcnn/.*' in .*child\.py"
    ):
        load(path)


@pytest.mark.parametrize("value", ["[1]", "dict(a='x.py')", "undefined_name"])
def test_bad_base_values(write: Write, value: str) -> None:
    with pytest.raises((TypeError, ValueError), match=r"`?_base_`? .*(path string|must be)"):
        load(write("child.py", f"_base_ = {value}\n"))


def test_reserved_keys(write: Write) -> None:
    with pytest.raises(KeyError, match=r"filename is reserved for config file.*reserved\.py"):
        load(write("reserved.py", "filename = 'x'\n"))
    with pytest.raises(KeyError, match="text is reserved for config file"):
        load(write("reserved.yaml", "text: 1\n"))


def test_text_config_with_a_lazy_base_is_refused(data: Path) -> None:
    with pytest.raises(RuntimeError, match=r"with read_base\(\).*toy\.py.*text_child_of_lazy"):
        load(data / "lazy/text_child_of_lazy.py")


def test_lazy_import_false_refuses_new_style_base(data: Path) -> None:
    with pytest.raises(RuntimeError, match=r"toy\.py is a pure-Python .*not False"):
        load(data / "lazy/text_child_of_lazy.py", lazy_import=False)


def test_lazy_import_false_runs_third_party_imports_eagerly(write: Write) -> None:
    write("base.py", "import json\nx = json.dumps([1])\n")
    cfg = load(write("child.py", "_base_ = './base.py'\n"), lazy_import=False)
    assert cfg.to_dict() == {"x": "[1]"}


# ---- parity with mmengine on the data files ----------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "multi.py",
        "refs.py",
        "refs.json",
        "refs.yaml",
        "py_vars.py",
        "sub/grandchild.yaml",
        "delete.py",
        "intermediate_child.py",
        "predefined.py",
        "scope.py",
    ],
)
def test_same_result_as_mmengine(data: Path, name: str) -> None:
    mmengine_config = pytest.importorskip("mmengine.config")
    path = str(data / "text" / name)
    theirs = mmengine_config.Config.fromfile(path)
    ours = load(path)
    assert ours.to_dict() == theirs.to_dict()
    assert list(ours.keys()) == list(theirs.keys())
    assert ours.text == theirs.text
