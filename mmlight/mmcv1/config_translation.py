"""Translate an MMCV 1.x config's runner-owned fields into an MMEngine-style config.

:data:`TRANSLATORS` is the one table of what is translated: each row names the MMCV 1.x
fields it consumes and the function that writes their MMEngine counterparts, following
OpenMMLab's "Migrate Runner from MMCV to MMEngine" guide. Fields no row consumes (``model``,
dataset variables, pipelines, ``work_dir``, ...) pass through unchanged. Every place where
the user has to act is recorded as a note on the output field it concerns.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mmlight.mmcv1.detect import is_loop_config
from mmlight.mmcv1.lr_policies import RunLength, translate_schedules

__all__ = ["TRANSLATORS", "Translation", "translate_config"]

SCHEDULERS_MODULE = "mmlight.mmcv1.schedulers"

# Transforms of the MMCV 1.x generation that the MMEngine generation replaced or moved.
OLD_TRANSFORMS = {
    "DefaultFormatBundle": "Pack*Inputs (PackDetInputs, PackSegInputs, ...)",
    "Collect": "Pack*Inputs(meta_keys=...)",
    "ImageToTensor": "Pack*Inputs",
    "ToTensor": "Pack*Inputs",
    "ToDataContainer": "Pack*Inputs",
    "Normalize": "model.data_preprocessor (mean/std/bgr_to_rgb)",
    "Pad": "model.data_preprocessor (pad_size_divisor) or Pad(size=...)",
    "MultiScaleFlipAug": "TestTimeAug / a plain test pipeline",
    "FormatShape": "FormatShape + PackActionInputs",
}


@dataclass
class Translation:
    """The translated config (plain dicts, in output order) and notes per output key."""

    config: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    passthrough: list[str] = field(default_factory=list)  # keys copied unchanged

    def note(self, key: str, text: str) -> None:
        self.notes.setdefault(key, []).append(text)

    @property
    def note_count(self) -> int:
        return sum(len(items) for items in self.notes.values())


@dataclass
class _Context:
    old: Mapping[str, Any]
    out: Translation
    run: RunLength
    save_best: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self.old.get(key, default))


# ---------------------------------------------------------------------------- the run
def _run_length(old: Mapping[str, Any]) -> tuple[RunLength, list[str]]:
    runner = old.get("runner")
    notes: list[str] = []
    if runner is None:
        if "total_epochs" in old:
            return RunLength(True, max_epochs=old["total_epochs"]), notes
        notes.append(
            "no `runner` (nor total_epochs): assumed EpochBasedRunner with 12 epochs; "
            "set train_cfg's max_epochs"
        )
        return RunLength(True, max_epochs=12), notes
    kind = runner.get("type", "EpochBasedRunner")
    if kind not in ("EpochBasedRunner", "IterBasedRunner"):
        notes.append(
            f"runner type {kind!r} is not one of MMCV 1.x's two runners; translated "
            "by its max_epochs/max_iters - port its custom loop logic to a Loop"
        )
    if "max_iters" in runner and "max_epochs" not in runner:
        return RunLength(False, max_iters=runner["max_iters"]), notes
    return RunLength(True, max_epochs=runner.get("max_epochs", old.get("total_epochs", 12))), notes


def _train_loop(ctx: _Context) -> None:
    run, out = ctx.run, ctx.out
    _, notes = _run_length(ctx.old)
    evaluation = ctx.old.get("evaluation") or {}
    workflow = ctx.old.get("workflow") or [("train", 1)]
    train_count = next((n for mode, n in workflow if mode == "train"), 1)
    interval = evaluation.get("interval", 1) if evaluation else train_count
    if run.epoch_based:
        loop = dict(type="EpochBasedTrainLoop", max_epochs=run.max_epochs, val_interval=interval)
    else:
        loop = dict(type="IterBasedTrainLoop", max_iters=run.max_iters, val_interval=interval)
    if evaluation.get("start") is not None:
        loop["val_begin"] = evaluation["start"]
    out.config["train_cfg"] = loop
    for text in notes:
        out.note("train_cfg", text)
    if any(mode == "val" for mode, _ in workflow):
        out.note(
            "train_cfg",
            f"workflow {list(map(tuple, workflow))} ran val_step (losses on "
            "data.val) after training epochs; MMEngine validates with val_evaluator every "
            "val_interval instead",
        )
    if any(mode not in ("train", "val") for mode, _ in workflow):
        out.note("train_cfg", "workflow modes other than train/val are not translated")


# ---------------------------------------------------------------------------- evaluation
def _dataset_type(dataset: Any) -> str:
    while isinstance(dataset, Mapping):
        if "dataset" in dataset:  # RepeatDataset, ClassBalancedDataset, ...
            dataset = dataset["dataset"]
        elif "datasets" in dataset:
            dataset = dataset["datasets"][0]
        else:
            return str(dataset.get("type", ""))
    return ""


def _evaluator(
    metric: Any, evaluation: Mapping[str, Any], dataset: Any
) -> tuple[dict[str, Any] | None, str]:
    """An MMEngine-generation evaluator for MMCV 1.x's ``evaluation.metric``, and the prefix
    its metric names get; None when the metric is not one this table knows."""
    metrics = [metric] if isinstance(metric, str) else list(metric or [])
    kind = _dataset_type(dataset)
    if not metrics:
        return None, ""
    if set(metrics) <= {"bbox", "segm", "proposal", "proposal_fast"} and "Coco" in kind:
        ann = dataset.get("ann_file") if isinstance(dataset, Mapping) else None
        cfg = dict(type="CocoMetric", metric=metrics if len(metrics) > 1 else metrics[0])
        if ann:
            cfg["ann_file"] = ann
        return cfg, "coco/"
    if metrics in (["mAP"], ["recall"]) and "VOC" in kind:
        return dict(type="VOCMetric", metric=metrics[0], eval_mode="11points"), "pascal_voc/"
    if set(metrics) <= {"mIoU", "mDice", "mFscore"}:
        return dict(type="IoUMetric", iou_metrics=metrics), ""
    if metrics == ["accuracy"]:
        topk = (evaluation.get("metric_options") or {}).get("topk", (1,))
        return dict(type="Accuracy", topk=topk), "accuracy/"
    return None, ""


def _save_best_name(name: str, prefix: str) -> str:
    if name == "auto" or not prefix:
        return name
    if prefix == "accuracy/" and name.startswith("accuracy_top-"):
        return f"accuracy/top{name.split('-')[-1]}"
    return prefix + name


def _evaluation(ctx: _Context) -> None:
    evaluation = ctx.get("evaluation")
    if not evaluation:
        return
    data = ctx.old.get("data") or {}
    evaluator, prefix = _evaluator(evaluation.get("metric"), evaluation, data.get("val"))
    out = ctx.out
    if evaluator is None:
        out.note(
            "val_evaluator",
            f"MMCV 1.x evaluated metric={evaluation.get('metric')!r} with "
            "the dataset's evaluate(); no MMEngine metric is known for it - supply "
            "val_evaluator/test_evaluator (then val_cfg=dict(type='ValLoop') and the "
            "mmcv1_*_dataloader below as val_dataloader/test_dataloader). Validation is "
            "off until then",
        )
    else:
        out.config["val_evaluator"] = evaluator
        out.config["test_evaluator"] = copy.deepcopy(evaluator)
        out.note(
            "val_evaluator",
            f"from evaluation.metric={evaluation.get('metric')!r}; check "
            "the metric's arguments against your codebase's MMEngine-generation version",
        )
    if evaluation.get("save_best") is not None:
        best = evaluation["save_best"]
        ctx.save_best["save_best"] = _save_best_name(best, prefix)
        if prefix and best != "auto":
            ctx.save_best["_renamed"] = best
        if evaluation.get("rule") is not None:
            ctx.save_best["rule"] = evaluation["rule"]
    skipped = sorted(
        set(evaluation)
        - {"interval", "metric", "save_best", "rule", "start", "by_epoch", "metric_options"}
    )
    if skipped:
        out.note(
            "val_evaluator",
            f"evaluation keys {skipped} have no MMEngine counterpart and were dropped",
        )


# ---------------------------------------------------------------------------- data
def _old_transforms(value: Any) -> list[str]:
    """Names of MMCV 1.x-generation transforms anywhere in ``value`` (pipelines, datasets)."""
    found: list[str] = []
    if isinstance(value, Mapping):
        if value.get("type") in OLD_TRANSFORMS:
            found.append(str(value["type"]))
        for item in value.values():
            found += _old_transforms(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += _old_transforms(item)
    return list(dict.fromkeys(found))


def _pipeline_note(names: Iterable[str]) -> str:
    moved = "; ".join(f"{name} -> {OLD_TRANSFORMS[name]}" for name in names)
    return (
        "the pipeline uses MMCV 1.x-generation transforms that the MMEngine generation "
        f"replaced: {moved}. Dataset arguments may have been renamed too (img_prefix -> "
        "data_prefix, ...)"
    )


def _loader(
    dataset: Any,
    batch: int,
    workers: int,
    persistent: bool,
    sampler: dict[str, Any],
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    if isinstance(dataset, Mapping):
        dataset = {
            k: v for k, v in dataset.items() if k not in ("samples_per_gpu", "workers_per_gpu")
        }
    loader = dict(
        batch_size=extra.get("samples_per_gpu", batch),
        num_workers=extra.get("workers_per_gpu", workers),
        persistent_workers=extra.get("persistent_workers", persistent),
    )
    if not loader["num_workers"]:
        loader["persistent_workers"] = False  # PyTorch refuses it without workers
    for key in ("drop_last", "pin_memory"):
        if key in extra:
            loader[key] = extra[key]
    loader.update(sampler=sampler, dataset=dataset)
    return loader


def _dataloaders(ctx: _Context) -> None:
    data = ctx.get("data")
    if not data:
        return
    out = ctx.out
    batch = data.get("samples_per_gpu", data.get("imgs_per_gpu", 1))
    workers = data.get("workers_per_gpu", 2)
    persistent = data.get("persistent_workers", False)
    if "train" in data:
        kind = "DefaultSampler" if ctx.run.epoch_based else "InfiniteSampler"
        out.config["train_dataloader"] = _loader(
            data["train"],
            batch,
            workers,
            persistent,
            dict(type=kind, shuffle=True),
            data.get("train_dataloader") or {},
        )
    known = "val_evaluator" in out.config
    for split in ("val", "test"):
        source = data.get(split) or (data.get("val") if split == "test" else None)
        if source is None:
            continue
        extra = dict(data.get(f"{split}_dataloader") or {})
        if isinstance(source, Mapping) and "samples_per_gpu" in source:
            extra.setdefault("samples_per_gpu", source["samples_per_gpu"])
        extra.setdefault("samples_per_gpu", 1)
        loader = _loader(
            source, batch, workers, persistent, dict(type="DefaultSampler", shuffle=False), extra
        )
        if known:
            out.config[f"{split}_dataloader"] = loader
            out.config[f"{split}_cfg"] = dict(type="ValLoop" if split == "val" else "TestLoop")
        else:
            out.config[f"mmcv1_{split}_dataloader"] = loader
        if (
            split == "val"
            and "samples_per_gpu" not in (data.get("val_dataloader") or {})
            and not (isinstance(source, Mapping) and "samples_per_gpu" in source)
        ):
            out.note(
                f"{'val' if known else 'mmcv1_val'}_dataloader",
                "batch_size=1 as mmdet 2.x/mmseg 0.x validated; mmcls 0.x used "
                "data.samples_per_gpu",
            )
    for key in (
        "train_dataloader",
        "val_dataloader",
        "test_dataloader",
        "mmcv1_val_dataloader",
        "mmcv1_test_dataloader",
    ):
        names = _old_transforms(out.config.get(key, {}).get("dataset"))
        if names:
            out.note(key, _pipeline_note(names))
    if "train" in data:
        out.note(
            "train_dataloader",
            "collate: MMCV 1.x collated DataContainers; the loader "
            "now uses MMEngine's default (pseudo_collate) - set collate_fn if your "
            "codebase needs another",
        )


# ---------------------------------------------------------------------------- optimizer
_HOOK_KEYS = {
    "type",
    "grad_clip",
    "loss_scale",
    "cumulative_iters",
    "detect_anomalous_params",
    "distributed",
    "coalesce",
    "bucket_size_mb",
}


def _one_wrapper(optimizer: Any, hook: Mapping[str, Any], fp16: Any) -> dict[str, Any]:
    """The optim_wrapper entry of one optimizer under MMCV 1.x's optimizer hook."""
    wrapper: dict[str, Any] = dict(type="OptimWrapper")
    for key in ("constructor", "paramwise_cfg"):
        if isinstance(optimizer, dict) and key in optimizer:
            wrapper[key] = optimizer.pop(key)
    kind = hook.get("type", "OptimizerHook")
    if kind in ("Fp16OptimizerHook", "GradientCumulativeFp16OptimizerHook") or fp16 is not None:
        wrapper["type"] = "AmpOptimWrapper"
        wrapper["loss_scale"] = hook.get("loss_scale", (fp16 or {}).get("loss_scale", 512.0))
    wrapper["optimizer"] = optimizer
    if hook.get("cumulative_iters", 1) != 1:
        wrapper["accumulative_counts"] = hook["cumulative_iters"]
    if hook.get("grad_clip") is not None:
        wrapper["clip_grad"] = hook["grad_clip"]
    return wrapper


def _is_multi_optimizer(optimizer: Any) -> bool:
    """MMCV 1.x's ``optimizer=dict(generator=dict(type=...), discriminator=dict(type=...))``."""
    return (
        isinstance(optimizer, Mapping)
        and "type" not in optimizer
        and bool(optimizer)
        and all(isinstance(v, Mapping) and "type" in v for v in optimizer.values())
    )


def _optim_wrapper(ctx: _Context) -> None:
    optimizer = ctx.get("optimizer")
    if optimizer is None:
        return
    hook = ctx.get("optimizer_config") or {}
    fp16 = ctx.get("fp16")
    out = ctx.out
    if _is_multi_optimizer(optimizer):
        wrapper: dict[str, Any] = dict(constructor="MultiOptimWrapperConstructor")
        for name, sub in optimizer.items():
            wrapper[name] = _one_wrapper(sub, hook, fp16)
        out.note(
            "optim_wrapper",
            f"one wrapper per MMCV 1.x optimizer ({', '.join(optimizer)}); the model's "
            "train_step steps each through optim_wrapper[name] in MMEngine",
        )
    else:
        wrapper = _one_wrapper(optimizer, hook, fp16)
    kind = hook.get("type", "OptimizerHook")
    if kind in ("Fp16OptimizerHook", "GradientCumulativeFp16OptimizerHook") or fp16 is not None:
        out.note(
            "optim_wrapper",
            "AmpOptimWrapper (fp16 in MMCV 1.x) runs autocast on CUDA; "
            "on a CPU-only machine use OptimWrapper",
        )
    if hook.get("detect_anomalous_params"):
        out.config["model_wrapper_cfg"] = dict(
            type="MMDistributedDataParallel", detect_anomalous_params=True
        )
    if kind not in (
        "OptimizerHook",
        "Fp16OptimizerHook",
        "GradientCumulativeOptimizerHook",
        "GradientCumulativeFp16OptimizerHook",
    ):
        out.note(
            "optim_wrapper",
            f"optimizer_config type {kind!r} is a custom optimizer hook; "
            "its logic belongs in a custom OptimWrapper now",
        )
    dropped = sorted(set(hook) - _HOOK_KEYS)
    if dropped:
        out.note("optim_wrapper", f"optimizer_config keys {dropped} were dropped")
    out.config["optim_wrapper"] = wrapper


def _param_scheduler(ctx: _Context) -> None:
    translation = translate_schedules(ctx.get("lr_config"), ctx.get("momentum_config"), ctx.run)
    if translation.schedulers:
        ctx.out.config["param_scheduler"] = translation.schedulers
    elif "lr_config" in ctx.old:
        ctx.out.config["param_scheduler"] = []
    for text in translation.notes:
        ctx.out.note("param_scheduler", text)
    if any(s["type"].startswith("MMCV1") for s in translation.schedulers):
        imports = ctx.out.config.setdefault(
            "custom_imports", dict(imports=[], allow_failed_imports=False)
        )
        names = imports.get("imports", [])
        names = [names] if isinstance(names, str) else list(names)
        if SCHEDULERS_MODULE not in names:
            names.append(SCHEDULERS_MODULE)
        imports["imports"] = names


# ---------------------------------------------------------------------------- hooks, logging
_VIS_BACKENDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # MMCV 1.x logger hook -> (MMEngine vis backend, the arguments carried over)
    "TextLoggerHook": ("LocalVisBackend", ()),
    "TensorboardLoggerHook": ("TensorboardVisBackend", ()),
    "WandbLoggerHook": ("WandbVisBackend", ("init_kwargs", "commit", "define_metric_cfg")),
    "MlflowLoggerHook": ("MLflowVisBackend", ("exp_name", "tags", "params", "tracking_uri")),
    "NeptuneLoggerHook": ("NeptuneVisBackend", ("init_kwargs",)),
    "DvcliveLoggerHook": ("DVCLiveVisBackend", ()),
    "ClearMLLoggerHook": ("ClearMLVisBackend", ("init_kwargs",)),
}


def _default_hooks(ctx: _Context) -> None:
    out = ctx.out
    log_config = ctx.get("log_config") or {}
    checkpoint = dict(type="CheckpointHook", **(ctx.get("checkpoint_config") or {}))
    if checkpoint.pop("create_symlink", None) is not None:
        out.note(
            "default_hooks",
            "checkpoint_config.create_symlink dropped: MMEngine records "
            "the latest checkpoint in last_checkpoint instead of a latest.pth link",
        )
    checkpoint.setdefault("interval", 1 if ctx.run.epoch_based else -1)
    if not ctx.run.epoch_based and "by_epoch" not in checkpoint:
        checkpoint["by_epoch"] = False
        out.note("default_hooks", "checkpoint by_epoch=False set for the iteration-based run")
    renamed = ctx.save_best.pop("_renamed", None)
    checkpoint.update(ctx.save_best)
    if renamed:
        out.note(
            "default_hooks",
            f"save_best {renamed!r} is called "
            f"{checkpoint['save_best']!r} by the MMEngine-generation metric",
        )
    logger = dict(type="LoggerHook", interval=log_config.get("interval", 50))
    if "ignore_last" in log_config:
        logger["ignore_last"] = log_config["ignore_last"]
    out.config["default_hooks"] = dict(
        timer=dict(type="IterTimerHook"),
        logger=logger,
        param_scheduler=dict(type="ParamSchedulerHook"),
        checkpoint=checkpoint,
        sampler_seed=dict(type="DistSamplerSeedHook"),
    )
    by_epoch = ctx.run.epoch_based
    backends = []
    for hook in log_config.get("hooks", [dict(type="TextLoggerHook")]):
        kind = hook.get("type")
        if kind == "TextLoggerHook" and "by_epoch" in hook:
            by_epoch = bool(hook["by_epoch"])
        if kind not in _VIS_BACKENDS:
            out.note(
                "visualizer",
                f"log_config hook {kind!r} has no MMEngine vis backend in "
                "this table; add one to vis_backends by hand",
            )
            continue
        backend, carried = _VIS_BACKENDS[kind]
        entry = dict(type=backend, **{k: hook[k] for k in carried if k in hook})
        if entry not in backends:
            backends.append(entry)
    if not any(b["type"] == "LocalVisBackend" for b in backends):
        backends.insert(0, dict(type="LocalVisBackend"))
    # MMCV 1.x's text logger averaged over the logging interval.
    out.config["log_processor"] = dict(
        type="LogProcessor", window_size=log_config.get("interval", 50), by_epoch=by_epoch
    )
    out.config["visualizer"] = dict(type="Visualizer", vis_backends=backends)


def _custom_hooks(ctx: _Context) -> None:
    hooks = ctx.get("custom_hooks")
    if hooks is None:
        return
    ctx.out.config["custom_hooks"] = hooks
    if hooks:
        ctx.out.note(
            "custom_hooks",
            "kept as written: a hook written against MMCV 1.x's Hook API "
            "(before_epoch(runner), runner.log_buffer, ...) runs as it is, wrapped by "
            "mmlight.mmcv1.hook_adapter; register its class in mmlight's HOOKS (MMCV 1.x's "
            "mmcv.runner.HOOKS is not read)",
        )


# ---------------------------------------------------------------------------- environment
def _env_cfg(ctx: _Context) -> None:
    old = ctx.old
    env: dict[str, Any] = dict(cudnn_benchmark=bool(old.get("cudnn_benchmark", False)))
    mp = {k: old[k] for k in ("mp_start_method", "opencv_num_threads") if k in old}
    if mp:
        env["mp_cfg"] = mp
    env["dist_cfg"] = dict(ctx.get("dist_params") or dict(backend="nccl"))
    ctx.out.config["env_cfg"] = env


def _resume(ctx: _Context) -> None:
    old, out = ctx.old, ctx.out
    resume_from, auto = old.get("resume_from"), old.get("auto_resume", False)
    out.config["load_from"] = resume_from if resume_from is not None else old.get("load_from")
    out.config["resume"] = bool(resume_from is not None or auto)
    if resume_from is not None and old.get("load_from"):
        out.note(
            "load_from",
            f"resume_from {resume_from!r} took precedence over load_from "
            f"{old['load_from']!r}, as in MMCV 1.x",
        )
    if auto and resume_from is None and old.get("load_from") is None:
        out.note(
            "resume",
            "auto_resume: resume=True with load_from=None resumes from the "
            "latest checkpoint in work_dir",
        )


def _randomness(ctx: _Context) -> None:
    old, out = ctx.old, ctx.out
    if "seed" in old or "deterministic" in old:
        randomness: dict[str, Any] = dict(seed=old.get("seed"))
        if "deterministic" in old:
            randomness["deterministic"] = bool(old["deterministic"])
        out.config["randomness"] = randomness
    if "gpu_ids" in old:
        out.note(
            "randomness" if "randomness" in out.config else "env_cfg",
            f"gpu_ids={old['gpu_ids']!r} dropped: choose devices with the launcher / "
            "CUDA_VISIBLE_DEVICES",
        )


def _model_cfgs(ctx: _Context) -> None:
    """Old mmdet (< 2.4) kept the model's train_cfg/test_cfg at the top level."""
    model = ctx.out.config.get("model")
    for key in ("train_cfg", "test_cfg"):
        value = ctx.get(key)
        if value is None or is_loop_config(value):
            continue
        if isinstance(model, dict):
            model.setdefault(key, value)
            ctx.out.note("model", f"top-level {key} (the model's, in old mmdet) moved into model")


def _model_note(ctx: _Context) -> None:
    if "model" in ctx.out.config:
        ctx.out.note(
            "model",
            "kept as written: a model of MMCV 1.x's contract (train_step(data_batch, "
            "optimizer)) trains wrapped in mmlight.mmcv1.model_adapter.MMCV1ModelAdapter; "
            "otherwise it must follow MMEngine's model contract (BaseModel with a "
            "data_preprocessor, forward(inputs, data_samples, mode)) of your codebase's "
            "MMEngine-generation version",
        )


Translator = Callable[[_Context], None]

# MMCV 1.x fields -> the function writing their MMEngine counterparts, in output order.
TRANSLATORS: tuple[tuple[tuple[str, ...], Translator], ...] = (
    (("train_cfg", "test_cfg"), _model_cfgs),
    ((), _model_note),
    (("runner", "total_epochs", "workflow"), _train_loop),
    (("evaluation",), _evaluation),
    (("data",), _dataloaders),
    (("optimizer", "optimizer_config", "fp16"), _optim_wrapper),
    (("lr_config", "momentum_config"), _param_scheduler),
    (("checkpoint_config", "log_config"), _default_hooks),
    (("custom_hooks",), _custom_hooks),
    (("dist_params", "mp_start_method", "opencv_num_threads", "cudnn_benchmark"), _env_cfg),
    (("resume_from", "auto_resume", "load_from"), _resume),
    (("gpu_ids", "seed", "deterministic"), _randomness),
)


def translate_config(old: Mapping[str, Any]) -> Translation:
    """The MMEngine-style counterpart of the MMCV 1.x config ``old`` (a plain mapping)."""
    consumed = {name for names, _ in TRANSLATORS for name in names}
    out = Translation()
    for key, value in old.items():
        if key not in consumed:
            out.config[key] = copy.deepcopy(value)
            out.passthrough.append(key)
    run, _ = _run_length(old)
    ctx = _Context(old=old, out=out, run=run)
    for _, translator in TRANSLATORS:
        translator(ctx)
    pipelines = {
        key: value
        for key, value in out.config.items()
        if key.endswith("pipeline") and _old_transforms(value)
    }
    for key, value in pipelines.items():
        out.note(key, _pipeline_note(_old_transforms(value)))
    for key, notes in out.notes.items():  # a loader using a noted pipeline variable points there
        dataset = out.config.get(key, {}).get("dataset") if key.endswith("dataloader") else None
        name = next(
            (
                n
                for n, v in pipelines.items()
                if isinstance(dataset, Mapping) and dataset.get("pipeline") == v
            ),
            None,
        )
        if name is not None:
            out.notes[key] = [
                f"its pipeline is {name} (see the NOTE there)"
                if t.startswith("the pipeline uses")
                else t
                for t in notes
            ]
    return out
