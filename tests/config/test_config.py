"""The Config facade: construction, access, fromstring, dump, merge_from_dict, copies, diff."""

from __future__ import annotations

import argparse
import copy
import json
import pickle
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mmlight.config import Config, ConfigDict, ConfigError, DictAction

Write = Callable[[str, str], str]


# ---- construction and access --------------------------------------------------------------


def test_empty_config() -> None:
    cfg = Config()
    assert cfg.filename is None and cfg.text == "" and len(cfg) == 0
    assert cfg._cfg_dict == {} and cfg.env_variables == {}


def test_cfg_dict_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match="cfg_dict must be a dict, but got <class 'list'>"):
        Config([0, 1])  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["filename", "text", "pretty_text", "env_variables"])
def test_reserved_keys(key: str) -> None:
    with pytest.raises(KeyError, match=f"{key} is reserved for config file"):
        Config({key: 1})


def test_filename_text_and_path_objects(write: Write) -> None:
    path = write("cfg.py", "a = 1\n")
    cfg = Config(dict(a=1), filename=Path(path))
    assert cfg.filename == path and cfg.text == "a = 1\n"
    assert Config(dict(a=1), cfg_text="given", filename=path).text == "given"
    loaded = Config.fromfile(Path(path))
    assert loaded.filename == path and loaded.text == f"{path}\na = 1\n"


def test_mapping_and_attribute_access() -> None:
    cfg = Config(dict(item1=[1, 2], item2=dict(a=0), item3=True))
    assert len(cfg) == 3 and list(cfg) == ["item1", "item2", "item3"]
    assert set(cfg.keys()) == {"item1", "item2", "item3"}
    assert "item1" in cfg and "nope" not in cfg
    assert cfg.item2.a == 0 and cfg["item2"]["a"] == 0 and cfg.get("nope", 5) == 5
    with pytest.raises(AttributeError, match="no attribute 'item4'"):
        cfg.item4  # noqa: B018
    with pytest.raises(KeyError, match="'item4' is not a key"):
        cfg["item4"]
    cfg.update(dict(item2=dict(b=1)))
    assert cfg.item2 == dict(a=0, b=1)
    cfg.item5 = {"x": {"y": None}}
    cfg["item6"] = {"z": 1}
    assert type(cfg._cfg_dict["item5"]) is ConfigDict and cfg.item5.x.y is None
    assert cfg.item6.z == 1
    del cfg.item6
    del cfg["item5"]
    assert "item5" not in cfg and "item6" not in cfg


def test_repr() -> None:
    cfg = Config(dict(a=1))
    assert repr(cfg) == "Config (path: None): {'a': 1}"


# ---- fromstring -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        (".py", "a = dict(b=1)\nc = [1, 2]\n"),
        (".json", '{"a": {"b": 1}, "c": [1, 2]}'),
        (".yaml", "a: {b: 1}\nc: [1, 2]\n"),
        (".yml", "a: {b: 1}\nc: [1, 2]\n"),
    ],
)
def test_fromstring(fmt: str, text: str) -> None:
    assert Config.fromstring(text, fmt).to_dict() == {"a": {"b": 1}, "c": [1, 2]}


def test_fromstring_rejects_unknown_format_and_warns_on_python_in_yaml() -> None:
    with pytest.raises(OSError, match=r"Only py/yml/yaml/json.*'\.xml'"):
        Config.fromstring("a = 1", ".xml")
    with pytest.warns(UserWarning, match="the file format may be .py"), pytest.raises(ConfigError):
        Config.fromstring("a = dict(b=1)\n", ".yaml")


# ---- dump / pretty_text -----------------------------------------------------------------


def test_dump_simple_formats(tmp_path: Path) -> None:
    cfg = Config(dict(a=1, b=2))
    assert cfg.dump() == cfg.pretty_text == "a = 1\nb = 2\n"
    cfg.dump(tmp_path / "c.py")
    assert (tmp_path / "c.py").read_text() == "a = 1\nb = 2\n"
    cfg.dump(tmp_path / "c.json")
    assert (tmp_path / "c.json").read_text() == '{"a": 1, "b": 2}'
    cfg.dump(str(tmp_path / "c.yaml"))
    assert (tmp_path / "c.yaml").read_text() == "a: 1\nb: 2\n"
    cfg.dump(tmp_path / "c.pkl")
    assert pickle.loads((tmp_path / "c.pkl").read_bytes()) == {"a": 1, "b": 2}
    with pytest.raises(TypeError, match=r"Unsupported format: txt.*valid extensions: \.py"):
        cfg.dump(tmp_path / "c.txt")


def test_dump_without_file_uses_the_source_format(write: Write) -> None:
    json_cfg = Config.fromfile(write("c.json", '{"b": [1, 2], "a": {"x": 1}}'))
    assert json_cfg.dump() == '{"b": [1, 2], "a": {"x": 1}}'
    yaml_cfg = Config.fromfile(write("c.yml", "b: 1\na: 2\n"))
    assert yaml_cfg.dump() == "a: 2\nb: 1\n"


@pytest.mark.parametrize("ext", ["py", "json", "yaml"])
def test_dump_reload_roundtrip(data: Path, tmp_path: Path, ext: str) -> None:
    cfg = Config.fromfile(str(data / "text/multi.py"))
    target = tmp_path / f"out.{ext}"
    cfg.dump(target)
    assert Config.fromfile(str(target)).to_dict() == cfg.to_dict()


def test_dump_and_load_through_fsspec(data: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    root = f"memory://mmlight-test-{uuid.uuid4().hex}"
    cfg = Config.fromfile(str(data / "text/multi.py"))
    for ext in ("py", "json", "yaml"):
        cfg.dump(f"{root}/dumped.{ext}")
        assert Config.fromfile(f"{root}/dumped.{ext}").to_dict() == cfg.to_dict()
    # bases resolve relative to the URL of the file that names them
    with fsspec.open(f"{root}/sub/base.yaml", "w") as f:
        f.write("x: 1\ny: {z: 2}\n")
    with fsspec.open(f"{root}/sub/deeper/child.py", "w") as f:
        f.write("_base_ = '../base.yaml'\ny = dict(w='{{ fileBasename }}')\n")
    child = Config.fromfile(f"{root}/sub/deeper/child.py")
    assert child.to_dict() == {"x": 1, "y": {"z": 2, "w": "child.py"}}
    assert child.filename == f"{root}/sub/deeper/child.py"
    with pytest.raises(FileNotFoundError, match=r"memory://.*nope\.py"):
        Config.fromfile(f"{root}/nope.py")


def test_pretty_text_layout() -> None:
    cfg = Config(
        dict(
            model=dict(
                type="ResNet",
                depth=50,
                norm_cfg=dict(type="BN", requires_grad=True),
                init_cfg=dict(type="Pretrained", checkpoint="torchvision://resnet50"),
            ),
            pipeline=[dict(type="Load"), dict(type="Resize", scale=(1333, 800), keep_ratio=True)],
            single=(1,),
            mapping={"a-b": 1, 2: "two"},
            special=[float("inf"), float("-inf"), "it's"],
            empty=dict(),
        )
    )
    assert cfg.pretty_text == (
        "empty = dict()\n"
        "mapping = {2: 'two', 'a-b': 1}\n"
        "model = dict(\n"
        "    depth=50,\n"
        "    init_cfg=dict(checkpoint='torchvision://resnet50', type='Pretrained'),\n"
        "    norm_cfg=dict(requires_grad=True, type='BN'),\n"
        "    type='ResNet',\n"
        ")\n"
        "pipeline = [\n"
        "    dict(type='Load'),\n"
        "    dict(keep_ratio=True, scale=(1333, 800), type='Resize'),\n"
        "]\n"
        "single = (1,)\n"
        "special = [float('inf'), float('-inf'), \"it's\"]\n"
    )
    assert Config.fromstring(cfg.pretty_text, ".py").to_dict() == cfg.to_dict()


def test_pretty_text_deep_nesting_stays_within_width() -> None:
    deep: dict = {"leaf": "x" * 30}
    for level in range(8):
        deep = {f"level_{level}": deep, "sibling": list(range(12))}
    cfg = Config(dict(root=deep))
    lines = cfg.pretty_text.splitlines()
    assert all(len(line) <= 79 for line in lines)
    indents = {len(line) - len(line.lstrip()) for line in lines}
    assert all(i % 4 == 0 for i in indents)
    assert Config.fromstring(cfg.pretty_text, ".py").to_dict() == cfg.to_dict()


def test_pretty_text_of_keyword_and_odd_top_level_keys() -> None:
    cfg = Config({"class": dict(lambda_=1), "a-b": 2, "x": {"if": 1}})
    text = cfg.pretty_text
    assert "globals()['a-b'] = 2" in text and "globals()['class']" in text
    assert "x = {'if': 1}" in text
    assert Config.fromstring(text, ".py").to_dict() == cfg.to_dict()


def test_pretty_text_refuses_values_without_source_form() -> None:
    class Marker:
        pass

    cfg = Config(dict(model=dict(type=Marker)))
    with pytest.raises(SyntaxError, match=r"model\.type = .*Marker.*has no Python source form"):
        cfg.pretty_text  # noqa: B018
    raw = Config(dict(model=dict(type=Marker)), format_python_code=False).pretty_text
    assert "Marker" in raw


def test_pretty_text_matches_mmengine_semantics(data: Path) -> None:
    mmengine_config = pytest.importorskip("mmengine.config")
    cfg = Config.fromfile(str(data / "text/multi.py"))
    theirs = mmengine_config.Config.fromstring(cfg.pretty_text, ".py")
    assert theirs.to_dict() == cfg.to_dict()
    assert Config(dict(a=1, b=2)).pretty_text == mmengine_config.Config(dict(a=1, b=2)).pretty_text


# ---- merge_from_dict --------------------------------------------------------------------


def base_cfg() -> Config:
    return Config(
        dict(
            model=dict(backbone=dict(type="ResNet", depth=50)),
            pipeline=[dict(type="Load"), dict(type="Resize", scale=1), 3],
            flag=True,
        )
    )


def test_merge_dotted_keys() -> None:
    cfg = base_cfg()
    cfg.merge_from_dict({"model.backbone.depth": 101, "model.neck.type": "FPN", "flag": False})
    assert cfg.model == dict(backbone=dict(type="ResNet", depth=101), neck=dict(type="FPN"))
    assert cfg.flag is False and type(cfg._cfg_dict) is ConfigDict


def test_merge_list_indices() -> None:
    cfg = base_cfg()
    cfg.merge_from_dict({"pipeline.1.scale": 2, "pipeline.0": dict(type="Load2"), "pipeline.2": 4})
    assert cfg.pipeline == [dict(type="Load2"), dict(type="Resize", scale=2), 4]


def test_merge_dict_value_merges_unless_delete() -> None:
    cfg = base_cfg()
    cfg.merge_from_dict({"model": dict(backbone=dict(depth=18))})
    assert cfg.model.backbone == dict(type="ResNet", depth=18)
    options = {"model.backbone": dict(_delete_=True, type="ViT")}
    cfg.merge_from_dict(options)
    assert cfg.model.backbone == dict(type="ViT")
    assert options == {"model.backbone": dict(_delete_=True, type="ViT")}  # input untouched


def test_merge_index_out_of_range() -> None:
    with pytest.raises(
        KeyError,
        match=r"Index 5 exceeds the length of list 'pipeline' \(length 3\).*'pipeline.5.a'",
    ):
        base_cfg().merge_from_dict({"pipeline.5.a": 1})


def test_merge_list_keys_not_allowed() -> None:
    with pytest.raises(TypeError, match=r"pipeline.*option 'pipeline.1.scale'.*type list"):
        base_cfg().merge_from_dict({"pipeline.1.scale": 2}, allow_list_keys=False)


def test_merge_non_integer_key_into_list() -> None:
    with pytest.raises(
        TypeError, match=r"'pipeline' is a list, so 'pipeline.first'.*integer index"
    ):
        base_cfg().merge_from_dict({"pipeline.first": 1})


def test_merge_dict_over_scalar() -> None:
    with pytest.raises(
        TypeError, match=r"flag=\{'x': 1\} .*flag is a dict in option 'flag.x' but is of type bool"
    ):
        base_cfg().merge_from_dict({"flag.x": 1})
    with pytest.raises(TypeError, match=r"pipeline\.2=.*option 'pipeline.2.x'.*type int"):
        base_cfg().merge_from_dict({"pipeline.2.x": 1})


def test_merge_conflicting_options() -> None:
    with pytest.raises(TypeError, match=r"Option 'a.b' conflicts with another option .*'a'"):
        base_cfg().merge_from_dict({"a": 1, "a.b": 2})


def test_merge_matches_mmengine() -> None:
    mmengine_config = pytest.importorskip("mmengine.config")
    raw = dict(model=dict(backbone=dict(depth=50)), pipeline=[dict(a=1), dict(b=2)], x=1)
    options = {"model.backbone.depth": 101, "pipeline.1.b": 3, "x": [1], "y.z": 2}
    ours, theirs = Config(copy.deepcopy(raw)), mmengine_config.Config(copy.deepcopy(raw))
    ours.merge_from_dict(options)
    theirs.merge_from_dict(options)
    assert ours.to_dict() == theirs.to_dict()


def test_dict_action_into_merge(data: Path) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    args = parser.parse_args(["--cfg-options", "item2.b=0.1", "item1=[3,4]", "item3=false"])
    cfg = Config.fromfile(str(data / "text/multi.py"))
    cfg.merge_from_dict(args.cfg_options)
    assert cfg.item2 == dict(a=0, b=0.1) and cfg.item1 == [3, 4] and cfg.item3 is False


# ---- copies, pickling, diff, argparser ---------------------------------------------------


def test_copy_deepcopy_pickle(data: Path) -> None:
    cfg = Config.fromfile(str(data / "text/refs.py"))
    for other in (copy.copy(cfg), cfg.copy(), copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert isinstance(other, Config)
        assert other._cfg_dict == cfg._cfg_dict
        assert (other.filename, other.text, other.env_variables) == (
            cfg.filename,
            cfg.text,
            cfg.env_variables,
        )
    shallow, deep = copy.copy(cfg), copy.deepcopy(cfg)
    assert shallow._cfg_dict is not cfg._cfg_dict and shallow.item2 is cfg.item2
    assert deep.item2 is not cfg.item2
    assert pickle.loads(pickle.dumps(cfg)).__dict__ == cfg.__dict__


def test_diff() -> None:
    first, second = Config(dict(a=1, b=2)), Config(dict(a=1, b=3))
    expected = "--- \n\n+++ \n\n@@ -1,3 +1,3 @@\n\n a = 1\n-b = 2\n+b = 3\n \n\n"
    assert Config.diff(first, second) == expected


def test_auto_argparser(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("cfg.py", "lr = 0.1\nname = 'x'\nflag = False\nsizes = [1, 2]\nopt = dict(m=1)\n")
    monkeypatch.setattr(sys, "argv", ["prog", path])
    parser, cfg = Config.auto_argparser()
    args = parser.parse_args([path, "--lr", "0.5", "--opt.m", "3", "--sizes", "4", "5"])
    assert args.lr == 0.5 and getattr(args, "opt.m") == 3 and args.sizes == [4, 5]
    assert cfg.name == "x"


def test_json_and_yaml_dumps_match_mmengine(data: Path) -> None:
    mmengine_config = pytest.importorskip("mmengine.config")
    for name in ("refs.json", "refs.yaml"):
        path = str(data / "text" / name)
        assert Config.fromfile(path).dump() == mmengine_config.Config.fromfile(path).dump()
    text = yaml.safe_dump({"a": 1})
    assert json.loads(json.dumps({"a": 1})) == yaml.safe_load(text)
