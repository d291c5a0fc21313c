# covers: a leaf that swaps the model head with `_delete_`, rebuilds the pipelines through its own
# intermediate variables, references base values both ways (`_base_.x` and double braces), swaps
# the optimizer with a nested `_delete_`, and sets `_scope_` on one component
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='RetinaNet',
    rpn_head=None,
    roi_head=dict(_delete_=True, type='RetinaHead', num_classes=20, in_channels=256),
    neck=dict(start_level=1, add_extra_convs='on_input'),
)
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/'
img_scale = (1000, 600)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=3,
        dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline),
    )
)
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='VOCMetric', metric='mAP', eval_mode='11points')
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, weight_decay=0.05))
first_milestones = _base_.param_scheduler[1]['milestones']
default_hooks = dict(visualization=dict(_scope_='mmdet', draw=True))
