"""ConfigDict: attribute/item access, conversion, laziness, copies, pickling, merge, equality."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict, namedtuple

import pytest

from mmlight.config import ConfigDict, ConfigError, LazyObject


class CustomDict(dict):
    pass


def test_attribute_and_item_access() -> None:
    cfg = ConfigDict(a=1, b=dict(c=2))
    assert cfg.a == 1 and cfg["a"] == 1
    assert cfg.b.c == 2 and cfg["b"]["c"] == 2
    cfg.d = 4
    cfg["e"] = 5
    assert dict(cfg) == {"a": 1, "b": {"c": 2}, "d": 4, "e": 5}
    del cfg.d
    assert "d" not in cfg


def test_missing_attribute_is_attribute_error_with_hint() -> None:
    cfg = ConfigDict(optimizer=1, model=2)
    with pytest.raises(AttributeError, match=r"no attribute 'optimzer'.*Did you mean 'optimizer'"):
        cfg.optimzer  # noqa: B018
    assert not hasattr(cfg, "nope")
    with pytest.raises(ConfigError):
        cfg.nope  # noqa: B018


def test_missing_item_is_key_error_with_hint() -> None:
    cfg = ConfigDict(optimizer=1)
    with pytest.raises(KeyError, match=r"'optimzer' is not a key.*Did you mean 'optimizer'") as e:
        cfg["optimzer"]
    # not repr-quoted, unlike a plain KeyError
    assert str(e.value).startswith("'optimzer' is not a key")


def test_method_names_are_read_only_attributes() -> None:
    cfg = ConfigDict()
    with pytest.raises(AttributeError, match=r"'update' is read-only.*cfg\['update'\]"):
        cfg.update = 1
    cfg["update"] = 1  # item access still works
    assert cfg["update"] == 1


def test_nested_plain_dicts_become_configdict_inside_lists_and_tuples() -> None:
    cfg = ConfigDict(a=[dict(b=1), (dict(c=2),)], o=OrderedDict(x=1))
    assert type(cfg.a[0]) is ConfigDict
    assert type(cfg.a[1]) is tuple and type(cfg.a[1][0]) is ConfigDict
    assert type(cfg.o) is ConfigDict
    cfg.n = {"m": {"k": 1}}
    assert type(cfg.n.m) is ConfigDict


def test_user_dict_subclasses_are_kept() -> None:
    cfg = ConfigDict(dict(a=CustomDict(b=1)))
    assert isinstance(cfg.a, CustomDict)
    assert isinstance(cfg["a"], CustomDict)
    assert isinstance(cfg.values()[0], CustomDict)
    assert isinstance(cfg.items()[0][1], CustomDict)


def test_namedtuples_survive_conversion() -> None:
    Point = namedtuple("Point", "x y")
    cfg = ConfigDict(p=Point(dict(a=1), 2))
    assert isinstance(cfg.p, Point) and type(cfg.p.x) is ConfigDict


def test_constructor_forms() -> None:
    assert ConfigDict(("a", 1)) == {"a": 1}
    assert ConfigDict([("a", 1), ("b", 2)]) == {"a": 1, "b": 2}
    assert ConfigDict({"a": 1}, b=2) == {"a": 1, "b": 2}
    assert ConfigDict(self=1) == {"self": 1}


def test_get_pop_setdefault_values_items() -> None:
    cfg = ConfigDict(a=1)
    assert cfg.get("a") == 1 and cfg.get("x") is None and cfg.get("x", 3) == 3
    assert cfg.pop("x") is None  # mmengine: a missing key pops the default, None
    stored = cfg.setdefault("b", {})
    assert type(stored) is ConfigDict
    stored["c"] = 1
    assert cfg.b.c == 1
    assert cfg.values() == [1, {"c": 1}]
    assert cfg.items() == [("a", 1), ("b", {"c": 1})]
    assert cfg.pop("a") == 1


def test_update_merges_nested_dicts() -> None:
    cfg = ConfigDict(a=dict(x=1, y=2), b=1)
    cfg.update(dict(a=dict(y=3)), b=dict(z=1))
    assert cfg == {"a": {"x": 1, "y": 3}, "b": {"z": 1}}
    cfg.update([("c", 1)])
    assert cfg.c == 1
    with pytest.raises(TypeError, match="at most 1 positional"):
        cfg.update({}, {})


def test_or_operators() -> None:
    cfg = ConfigDict(a=dict(x=1))
    merged = cfg | {"a": {"y": 2}}
    assert type(merged) is ConfigDict and merged == {"a": {"x": 1, "y": 2}}
    assert ({"b": 1} | cfg) == {"b": 1, "a": {"x": 1}}
    cfg |= {"c": 1}
    assert cfg.c == 1


def test_merge_method() -> None:
    cfg = ConfigDict(a=dict(x=1, y=2), b=[1], c=1)
    cfg.merge(dict(a=dict(y=3, z=4), b=dict(k=1), d=5))
    assert cfg == {"a": {"x": 1, "y": 3, "z": 4}, "b": {"k": 1}, "c": 1, "d": 5}
    cfg.merge(dict(a=dict(_delete_=True, only=1)))
    assert cfg.a == {"only": 1}


def test_copy_and_deepcopy() -> None:
    cfg = ConfigDict(a=dict(b=[1, 2]))
    shallow = cfg.copy()
    assert type(shallow) is ConfigDict and shallow.a is cfg.a
    assert copy.copy(cfg) == cfg
    deep = cfg.deepcopy()
    assert deep == cfg and deep.a is not cfg.a and type(deep.a) is ConfigDict
    assert copy.deepcopy(cfg).a.b is not cfg.a.b


def test_pickle_roundtrip_keeps_lazy_objects_unbuilt() -> None:
    cfg = ConfigDict(a=dict(b=1), t=LazyObject("json", "dumps"))
    loaded = pickle.loads(pickle.dumps(cfg))
    assert type(loaded) is ConfigDict and type(loaded.a) is ConfigDict
    assert isinstance(loaded._to_lazy_dict()["t"], LazyObject)


def test_equality_rules() -> None:
    assert ConfigDict(a=1) == {"a": 1}
    plain = {"a": 1}
    assert plain == ConfigDict(a=1)  # reflected: ConfigDict.__eq__ decides
    assert ConfigDict(a=1) != ConfigDict(a=2)
    assert ConfigDict(a=1) != [("a", 1)]
    # ConfigDict vs ConfigDict compares to_dict(): lazy imports as dotted strings
    assert ConfigDict(t=LazyObject("json", "dumps")) == ConfigDict(t=LazyObject("json", "dumps"))
    assert ConfigDict(t=LazyObject("json", "dumps")) == {"t": __import__("json").dumps}


def test_lazy_values_are_built_on_read() -> None:
    import json

    raw = dict(a=LazyObject("json"), b=dict(e=[dict(g=LazyObject("json", "dumps"))]))
    cfg = ConfigDict(raw)
    assert cfg.a is json and cfg["a"] is json and cfg.get("a") is json
    assert cfg.b.e[0].g is json.dumps
    assert cfg.values()[0] is json and dict(cfg)["a"] is json
    assert {**cfg}["a"] is json
    # to_dict writes dotted names; _to_lazy_dict keeps the placeholders
    assert cfg.to_dict()["b"]["e"][0]["g"] == "json.dumps"
    assert isinstance(cfg._to_lazy_dict()["a"], LazyObject)
    # update / copy / setitem keep placeholders
    other = ConfigDict(x=LazyObject("json"))
    other.update(cfg)
    assert isinstance(dict.__getitem__(other, "a"), LazyObject)
    assert isinstance(dict.__getitem__(ConfigDict(other), "x"), LazyObject)


def test_lazy_flag_keeps_placeholders() -> None:
    cfg = ConfigDict(a=LazyObject("json"))
    previous = ConfigDict.lazy
    ConfigDict.lazy = True
    try:
        assert isinstance(cfg.a, LazyObject)
    finally:
        ConfigDict.lazy = previous


def test_to_dict_converts_nested_configdicts_and_custom_dicts() -> None:
    cfg = ConfigDict(a=dict(b=CustomDict(c=1)), l=[dict(x=1)], t=(dict(y=1),))
    plain = cfg.to_dict()
    assert type(plain) is dict and type(plain["a"]) is dict and type(plain["a"]["b"]) is dict
    assert type(plain["l"][0]) is dict and type(plain["t"]) is tuple


def test_matches_mmengine_configdict() -> None:
    mmengine_config = pytest.importorskip("mmengine.config")
    raw = dict(a=1, b=dict(c=[dict(d=2)]), e=(1, dict(f=3)))
    ours, theirs = ConfigDict(raw), mmengine_config.ConfigDict(raw)
    assert ours.to_dict() == theirs.to_dict()
    ours.update(dict(b=dict(g=1)))
    theirs.update(dict(b=dict(g=1)))
    assert ours.to_dict() == theirs.to_dict()
    ours.merge(dict(b=dict(_delete_=True, h=1), i=2))
    theirs.merge(dict(b=dict(_delete_=True, h=1), i=2))
    assert ours.to_dict() == theirs.to_dict()
    assert ours.pop("zz") == theirs.pop("zz")
