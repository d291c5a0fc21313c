"""Text substitutions: predefined variables, environment variables, base references."""

from __future__ import annotations

import pytest

from mmlight.config.config_dict import ConfigDict
from mmlight.config.substitution import (
    BaseReferences,
    substitute_env_variables,
    substitute_predefined_variables,
)


def test_predefined_variables() -> None:
    text = (
        "a={{fileDirname}}\nb={{ fileBasename }}\nc={{fileBasenameNoExtension}}\nd={{fileExtname}}"
    )
    out = substitute_predefined_variables(text, "/cfg/dir/my.model.py")
    assert out == "a=/cfg/dir\nb=my.model.py\nc=my.model\nd=.py"
    assert substitute_predefined_variables("{{ fileDirname }}", "memory://bucket/x/c.yaml") == (
        "memory://bucket/x"
    )


def test_env_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MMLIGHT_SUB_A", raising=False)
    monkeypatch.setenv("MMLIGHT_SUB_B", "100")
    text = "a={{$MMLIGHT_SUB_A:80}}\nb={{ $MMLIGHT_SUB_B : 1 }}\nc={{'$MMLIGHT_SUB_A:x'}}\n"
    out, used = substitute_env_variables(text, "cfg.py")
    assert out == "a=80\nb=100\nc=x\n"
    assert used == {"MMLIGHT_SUB_B": "100"}
    with pytest.raises(KeyError, match=r"`MMLIGHT_SUB_A` cannot be found.*cfg\.py, line 2: y="):
        substitute_env_variables("x=1\ny={{$MMLIGHT_SUB_A:}}\n", "cfg.py")


def test_base_references_placeholders_and_resolution() -> None:
    refs = BaseReferences("a = {{_base_.x}}\nb = [{{ _base_.y.z }}]\n", "cfg.py")
    assert "{{" not in refs.text and len(refs.by_placeholder) == 2
    placeholders = {v: k for k, v in refs.by_placeholder.items()}
    cfg = {"a": placeholders["x"], "b": (placeholders["y.z"],), "c": {"d": [placeholders["x"]]}}
    base = ConfigDict(x=dict(k=1), y=dict(z=[1, 2]))
    resolved = refs.resolve(cfg, base, ["base.py"])
    assert resolved == {"a": {"k": 1}, "b": ([1, 2],), "c": {"d": [{"k": 1}]}}
    assert resolved["a"] is not base["x"]
    refs.check_no_leftovers(resolved)


def test_leftover_placeholder_is_refused() -> None:
    refs = BaseReferences("a = 'pre{{_base_.x}}'\n", "cfg.py")
    placeholder = next(iter(refs.by_placeholder))
    with pytest.raises(ValueError, match=r"`\{\{_base_\.x\}\}` in cfg\.py, line 1"):
        refs.check_no_leftovers({"a": f'pre"{placeholder}"'})
    with pytest.raises(ValueError, match="must stand as a whole value"):
        refs.check_no_leftovers({placeholder: 1})
