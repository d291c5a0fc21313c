"""DictAction: `--cfg-options KEY=VALUE ...` parsing, as mmengine does it."""

from __future__ import annotations

import argparse
import re

import pytest

from mmlight.config import ConfigError, DictAction


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    p.add_argument("--options", nargs="+", action=DictAction)
    return p


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("-3", -3),
        ("0.1", 0.1),
        ("1e-3", 1e-3),
        ("true", True),
        ("False", False),
        ("None", None),
        ("none", "none"),
        ("x", "x"),
        ("'quoted'", "quoted"),
        ("a b", "ab"),  # spaces are removed, as in mmengine
        ("", ""),
        ("a,b", ["a", "b"]),
        ("[1,2]", [1, 2]),
        ("[]", []),
        ("(1,2)", (1, 2)),
        ("(1)", (1,)),
        ("[[1]]", [[1]]),
        ("[(a,b), [1,2], false]", [("a", "b"), [1, 2], False]),
        ("[(1,[2,3]),4]", [(1, [2, 3]), 4]),
    ],
)
def test_value_parsing(value: str, expected: object) -> None:
    assert parser().parse_args(["--options", f"k={value}"]).options == {"k": expected}


def test_splits_on_first_equals_and_accumulates() -> None:
    args = parser().parse_args(
        ["--options", "item1.a=1", "item2.a=b=c", "--options", "item1.a=2", "item3=false"]
    )
    assert args.options == {"item1.a": 2, "item2.a": "b=c", "item3": False}


def test_unbalanced_brackets_are_a_clear_error() -> None:
    with pytest.raises(
        ValueError, match=r"Imbalanced brackets exist in '\[\(a,b\), \[1,2\], false'"
    ):
        parser().parse_args(["--options", "item2.a=[(a,b), [1,2], false"])
    # still an AssertionError, which is what mmengine raises here
    with pytest.raises(AssertionError):
        parser().parse_args(["--options", "k=[1"])
    with pytest.raises(ConfigError):
        parser().parse_args(["--options", "k=(1,2"])


def test_missing_equals() -> None:
    with pytest.raises(ValueError, match=r"--options: expected KEY=VALUE, got 'lr'"):
        parser().parse_args(["--options", "lr"])


def test_single_value_option_without_nargs() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--opt", action=DictAction)
    assert p.parse_args(["--opt", "a=1"]).opt == {"a": 1}


@pytest.mark.parametrize(
    "values",
    [
        ["a=1", "b=0.5", "c=x", "d=true", "e=None"],
        ["a=1,2", "b=[1,(2,3)]", "c=(x,y)", "d=[]", "e='q'"],
    ],
)
def test_same_as_mmengine(values: list[str]) -> None:
    mmengine_config = pytest.importorskip("mmengine.config")
    theirs = argparse.ArgumentParser()
    theirs.add_argument("--options", nargs="+", action=mmengine_config.DictAction)
    assert parser().parse_args(["--options", *values]).options == (
        theirs.parse_args(["--options", *values]).options
    )


def test_a_call_with_commas_is_refused_clearly_instead_of_recursing() -> None:
    """mmengine's DictAction recurses until RecursionError on this input."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    with pytest.raises(ValueError, match=r"cannot parse 'dict\(type=\"EMAHook\",momentum=0.01\)'.*"
                       r"set a dict's keys one by one"):
        parser.parse_args(["--cfg-options", 'custom_hooks=[dict(type="EMAHook", momentum=0.01)]'])
    # Commas inside parentheses still parse where they always did.
    parsed = parser.parse_args(["--cfg-options", "a=x,(y,z)", "b=dict(type)"]).cfg_options
    assert parsed == {"a": ["x", ("y", "z")], "b": "dict(type)"}


@pytest.mark.parametrize(
    ("item", "what"),
    [
        ("=5", "an empty key"),
        (" =5", "an empty key"),
        ("a..b=1", "an empty part in the key 'a..b'"),
        (".a=1", "an empty part in the key '.a'"),
        ("model.=1", "an empty part in the key 'model.'"),
    ],
)
def test_an_empty_key_or_key_part_is_refused(item: str, what: str) -> None:
    """mmengine accepts ``=5`` and the dumped config then holds ``globals()['']``."""
    with pytest.raises(
        ConfigError,
        match=rf"^--options: {re.escape(repr(item))} has {re.escape(what)}; write KEY=VALUE "
        r"with a dotted key path \(e\.g\. --options model\.backbone\.depth=50\)$",
    ):
        parser().parse_args(["--options", "a=1", item])


def test_keys_with_every_part_named_are_accepted() -> None:
    assert parser().parse_args(["--options", "a.b.c=1", "x=="]).options == {"a.b.c": 1, "x": "="}
