"""MMCV 1.x config -> MMEngine-style config, field by field, and the rendered file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mmlight.config import Config
from mmlight.mmcv1.config_translation import TRANSLATORS, translate_config
from mmlight.mmcv1.detect import is_mmcv1_config
from mmlight.mmcv1.render import render_config

CONFIGS = sorted((Path(__file__).parent / "configs").glob("*.py"))


def load(name: str) -> dict[str, Any]:
    return Config.fromfile(str(Path(__file__).parent / "configs" / f"{name}.py")).to_dict()


def types(schedulers: list[dict[str, Any]]) -> list[str]:
    return [s["type"] for s in schedulers]


def test_detection() -> None:
    assert is_mmcv1_config(dict(runner=dict(type="EpochBasedRunner", max_epochs=1)))
    assert is_mmcv1_config(dict(model=dict(type="M"), data=dict(samples_per_gpu=2)))
    assert is_mmcv1_config(dict(lr_config=dict(policy="step", step=[1])))
    assert not is_mmcv1_config(dict(model=dict(type="M"), optim_wrapper=dict()))
    assert not is_mmcv1_config(dict(train_cfg=dict(by_epoch=True, max_epochs=2), log_config=dict()))
    # the model-level train_cfg of old mmdet does not make a config MMEngine-style
    assert is_mmcv1_config(dict(train_cfg=dict(rpn=dict()), optimizer_config=dict()))
    assert not is_mmcv1_config(dict(model=dict(type="M"), train_dataloader=dict()))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_corpus_config_translates_and_round_trips(path: Path, tmp_path: Path) -> None:
    old = Config.fromfile(str(path)).to_dict()
    assert is_mmcv1_config(old)
    translation = translate_config(old)
    new = translation.config
    consumed = {name for names, _ in TRANSLATORS for name in names}
    assert not consumed & set(translation.passthrough)
    for key in (
        "runner",
        "lr_config",
        "optimizer_config",
        "checkpoint_config",
        "log_config",
        "data",
        "evaluation",
        "resume_from",
        "workflow",
        "total_epochs",
    ):
        assert key not in new
    assert {"train_cfg", "optim_wrapper", "default_hooks", "env_cfg", "train_dataloader"} <= set(
        new
    )
    assert not is_mmcv1_config(new)
    text = render_config(translation, path.name)
    compile(text, "migrated.py", "exec")
    target = tmp_path / "migrated.py"
    target.write_text(text)
    assert Config.fromfile(str(target)).to_dict() == new
    assert text.count("# NOTE: ") == translation.note_count


def test_epoch_runner_evaluation_and_hooks() -> None:
    new = translate_config(load("det_step_linear_warmup")).config
    assert new["train_cfg"] == dict(type="EpochBasedTrainLoop", max_epochs=12, val_interval=1)
    assert new["val_cfg"] == dict(type="ValLoop") and new["test_cfg"] == dict(type="TestLoop")
    assert new["val_evaluator"] == dict(
        type="CocoMetric", metric="bbox", ann_file="data/coco/annotations/instances_val2017.json"
    )
    assert new["optim_wrapper"] == dict(
        type="OptimWrapper",
        optimizer=dict(type="SGD", lr=0.02, momentum=0.9, weight_decay=0.0001),
        clip_grad=dict(max_norm=35, norm_type=2),
    )
    assert new["param_scheduler"] == [
        dict(type="LinearLR", start_factor=0.001, end_factor=1.0, begin=0, end=8, by_epoch=False),
        dict(type="MultiStepLR", milestones=[8, 11], gamma=0.1, by_epoch=True),
    ]
    hooks = new["default_hooks"]
    assert hooks["checkpoint"] == dict(type="CheckpointHook", interval=1)
    assert hooks["logger"] == dict(type="LoggerHook", interval=50)
    assert set(hooks) == {"timer", "logger", "param_scheduler", "checkpoint", "sampler_seed"}
    assert new["log_processor"] == dict(type="LogProcessor", window_size=50, by_epoch=True)
    assert new["visualizer"]["vis_backends"] == [
        dict(type="LocalVisBackend"),
        dict(type="TensorboardVisBackend"),
    ]
    assert new["env_cfg"] == dict(
        cudnn_benchmark=False,
        mp_cfg=dict(mp_start_method="fork", opencv_num_threads=0),
        dist_cfg=dict(backend="nccl"),
    )
    assert new["custom_hooks"] == [dict(type="NumClassCheckHook")]
    assert new["load_from"] is None and new["resume"] is False
    train = new["train_dataloader"]
    assert (train["batch_size"], train["num_workers"]) == (2, 2)
    assert train["sampler"] == dict(type="DefaultSampler", shuffle=True)
    assert new["val_dataloader"]["batch_size"] == 1
    assert new["val_dataloader"]["sampler"] == dict(type="DefaultSampler", shuffle=False)
    assert new["auto_scale_lr"] == dict(enable=False, base_batch_size=16)  # passed through


def test_iter_runner_fp16_save_best_auto_resume() -> None:
    translation = translate_config(load("seg_poly_iter_warmup"))
    new = translation.config
    assert new["train_cfg"] == dict(type="IterBasedTrainLoop", max_iters=80, val_interval=40)
    assert new["train_dataloader"]["sampler"] == dict(type="InfiniteSampler", shuffle=True)
    assert new["val_evaluator"] == dict(type="IoUMetric", iou_metrics=["mIoU"])
    assert new["optim_wrapper"]["type"] == "AmpOptimWrapper"
    assert new["optim_wrapper"]["loss_scale"] == "dynamic"
    assert new["default_hooks"]["checkpoint"] == dict(
        type="CheckpointHook", by_epoch=False, interval=40, save_best="mIoU", rule="greater"
    )
    assert new["log_processor"]["by_epoch"] is False
    assert new["resume"] is True and new["load_from"] is None
    assert types(new["param_scheduler"]) == ["MMCV1LrScheduler"]
    assert new["custom_imports"]["imports"] == ["mmlight.mmcv1.schedulers"]
    assert any("pre_eval" in n for n in translation.notes["val_evaluator"])


def test_fp16_dict_resume_from_seed_and_unknown_logger() -> None:
    translation = translate_config(load("det_step_minlr_constant_fp16"))
    new, notes = translation.config, translation.notes
    assert new["optim_wrapper"] == dict(
        type="AmpOptimWrapper",
        paramwise_cfg=dict(norm_decay_mult=0.0),
        loss_scale=512.0,
        optimizer=dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=0.0001),
    )
    assert new["val_evaluator"] == dict(type="VOCMetric", metric="mAP", eval_mode="11points")
    assert new["default_hooks"]["checkpoint"]["save_best"] == "auto"
    assert new["default_hooks"]["checkpoint"]["max_keep_ckpts"] == 3
    assert new["train_cfg"]["val_interval"] == 2
    assert new["load_from"] == "work_dirs/retina/latest.pth" and new["resume"] is True
    assert new["randomness"] == dict(seed=42, deterministic=True)
    assert any("gpu_ids" in n for n in notes["randomness"])
    assert any("workflow" in n for n in notes["train_cfg"])
    assert new["visualizer"]["vis_backends"][1] == dict(
        type="WandbVisBackend", init_kwargs=dict(project="voc")
    )
    assert new["train_dataloader"]["persistent_workers"] is False


def test_gradient_accumulation_accuracy_and_mlflow() -> None:
    new = translate_config(load("cls_exp_warmup_exp")).config
    assert new["optim_wrapper"]["accumulative_counts"] == 4
    assert new["val_evaluator"] == dict(type="Accuracy", topk=(1, 5))
    assert new["env_cfg"]["cudnn_benchmark"] is True
    assert dict(type="MLflowVisBackend", exp_name="cls") in new["visualizer"]["vis_backends"]


def test_unknown_metric_turns_validation_off_with_a_note() -> None:
    translation = translate_config(load("cosine_by_iter_in_epochs"))
    new = translation.config
    assert "val_evaluator" not in new and "val_dataloader" not in new and "val_cfg" not in new
    assert new["mmcv1_val_dataloader"]["dataset"] == dict(type="MyData")
    (note,) = translation.notes["val_evaluator"]
    assert "metric='my_score'" in note and "supply val_evaluator" in note
    text = render_config(translation, "x.py")
    assert "# NOTE: val_evaluator: MMCV 1.x evaluated metric='my_score'" in text


def test_total_epochs_adam_paramwise_and_pipeline_notes() -> None:
    new = translate_config(load("cls_poly_epoch")).config
    assert new["train_cfg"]["max_epochs"] == 6
    assert new["param_scheduler"] == [
        dict(type="PolyLR", power=2.0, eta_min=0.0, begin=0, end=7, by_epoch=True)
    ]
    cosine = translate_config(load("cls_cosine_warmup_by_epoch")).config
    assert cosine["optim_wrapper"]["paramwise_cfg"] == dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0
    )
    assert "paramwise_cfg" not in cosine["optim_wrapper"]["optimizer"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("det_step_linear_warmup", ["LinearLR", "MultiStepLR"]),
        ("det_step_minlr_constant_fp16", ["MMCV1LrScheduler"]),  # min_lr clipping
        ("cls_exp_warmup_exp", ["MMCV1LrScheduler"]),  # exp warm-up
        ("cls_poly_epoch", ["PolyLR"]),
        ("iter_inv", ["MMCV1LrScheduler"]),
        ("cls_cosine_warmup_by_epoch", ["MMCV1LrScheduler"]),  # warm-up counted in epochs
        ("cosine_restart", ["MMCV1LrScheduler"]),  # restart weights
        ("one_cycle", ["OneCycleLR", "MMCV1MomentumScheduler"]),
        ("step_iter_list", ["LinearLR", "MultiStepLR", "MultiStepMomentum"]),
        ("fixed_constant_warmup", ["MMCV1LrScheduler"]),
        ("cosine_by_iter_no_warmup", ["CosineAnnealingLR", "CosineAnnealingMomentum"]),
    ],
)
def test_mmengine_schedulers_where_a_chain_is_exact(name: str, expected: list[str]) -> None:
    assert types(translate_config(load(name)).config["param_scheduler"]) == expected


def test_constant_warmup_by_iteration_is_constant_lr() -> None:
    old = dict(
        runner=dict(type="IterBasedRunner", max_iters=10),
        optimizer=dict(type="SGD", lr=1.0),
        lr_config=dict(policy="fixed", warmup="constant", warmup_iters=3, warmup_ratio=0.5),
    )
    assert translate_config(old).config["param_scheduler"] == [
        dict(type="ConstantLR", factor=0.5, begin=0, end=4, by_epoch=False)
    ]


def test_unknown_policy_is_refused_with_the_known_ones() -> None:
    old = dict(runner=dict(type="IterBasedRunner", max_iters=10), lr_config=dict(policy="warp"))
    with pytest.raises(
        ValueError, match=r"unknown MMCV 1.x policy 'warp'; known: .*CosineAnnealing"
    ):
        translate_config(old)


def test_existing_custom_imports_are_kept() -> None:
    old = dict(
        custom_imports=dict(imports="my_pkg"),
        runner=dict(type="IterBasedRunner", max_iters=5),
        lr_config=dict(policy="inv", gamma=0.1, by_epoch=False),
    )
    assert translate_config(old).config["custom_imports"]["imports"] == [
        "my_pkg",
        "mmlight.mmcv1.schedulers",
    ]


def test_old_model_level_train_cfg_moves_into_model() -> None:
    old = dict(
        model=dict(type="FasterRCNN"),
        train_cfg=dict(rpn=dict(x=1)),
        test_cfg=dict(rcnn=1),
        total_epochs=2,
        optimizer=dict(type="SGD", lr=0.1),
    )
    new = translate_config(old).config
    assert new["model"] == dict(
        type="FasterRCNN", train_cfg=dict(rpn=dict(x=1)), test_cfg=dict(rcnn=1)
    )
    assert new["train_cfg"] == dict(type="EpochBasedTrainLoop", max_epochs=2, val_interval=1)


def test_several_optimizers_become_one_wrapper_each() -> None:
    old = dict(
        total_epochs=1,
        optimizer=dict(
            generator=dict(type="Adam", lr=1e-4), discriminator=dict(type="Adam", lr=4e-4)
        ),
        optimizer_config=dict(grad_clip=dict(max_norm=1)),
    )
    translation = translate_config(old)
    assert translation.config["optim_wrapper"] == dict(
        constructor="MultiOptimWrapperConstructor",
        generator=dict(
            type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4), clip_grad=dict(max_norm=1)
        ),
        discriminator=dict(
            type="OptimWrapper", optimizer=dict(type="Adam", lr=4e-4), clip_grad=dict(max_norm=1)
        ),
    )
    assert "generator, discriminator" in translation.notes["optim_wrapper"][0]


def test_detect_anomalous_params_and_dropped_hook_keys() -> None:
    old = dict(
        total_epochs=1,
        optimizer=dict(type="SGD", lr=0.1),
        optimizer_config=dict(detect_anomalous_params=True, foo=1),
    )
    translation = translate_config(old)
    assert translation.config["model_wrapper_cfg"] == dict(
        type="MMDistributedDataParallel", detect_anomalous_params=True
    )
    assert translation.notes["optim_wrapper"] == ["optimizer_config keys ['foo'] were dropped"]


def test_translation_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from mmlight.mmcv1.config_translation import translate_config; "
        "from mmlight.mmcv1.render import render_config; "
        "from mmlight.mmcv1.detect import is_mmcv1_config; "
        "t = translate_config(dict(total_epochs=1, lr_config=dict(policy='inv', gamma=0.1))); "
        "render_config(t, 'x.py'); assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_logger_hooks_become_vis_backends() -> None:
    old = dict(
        total_epochs=1,
        log_config=dict(
            interval=7,
            hooks=[
                dict(type="TextLoggerHook", by_epoch=False),
                dict(type="NeptuneLoggerHook", init_kwargs=dict(project="p")),
                dict(type="DvcliveLoggerHook"),
                dict(type="ClearMLLoggerHook", init_kwargs=dict(task_name="t")),
                dict(type="PaviLoggerHook"),
            ],
        ),
    )
    translation = translate_config(old)
    new = translation.config
    assert new["visualizer"]["vis_backends"] == [
        dict(type="LocalVisBackend"),
        dict(type="NeptuneVisBackend", init_kwargs=dict(project="p")),
        dict(type="DVCLiveVisBackend"),
        dict(type="ClearMLVisBackend", init_kwargs=dict(task_name="t")),
    ]
    assert new["log_processor"] == dict(type="LogProcessor", window_size=7, by_epoch=False)
    assert new["default_hooks"]["logger"] == dict(type="LoggerHook", interval=7)
    (note,) = translation.notes["visualizer"]
    assert "'PaviLoggerHook' has no MMEngine vis backend" in note
