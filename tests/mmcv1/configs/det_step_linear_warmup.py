# ruff: noqa: E501
# mmdet 2.x style: 1x schedule, linear warm-up by iteration, COCO bbox evaluation
dataset_type = 'CocoDataset'
data_root = 'data/coco/'
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', img_scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='Pad', size_divisor=32),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels']),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiScaleFlipAug', img_scale=(1333, 800), flip=False,
         transforms=[dict(type='Resize', keep_ratio=True), dict(type='ImageToTensor', keys=['img']),
                     dict(type='Collect', keys=['img'])]),
]
data = dict(
    samples_per_gpu=2,
    workers_per_gpu=2,
    train=dict(type=dataset_type, ann_file=data_root + 'annotations/instances_train2017.json',
               img_prefix=data_root + 'train2017/', pipeline=train_pipeline),
    val=dict(type=dataset_type, ann_file=data_root + 'annotations/instances_val2017.json',
             img_prefix=data_root + 'val2017/', pipeline=test_pipeline),
    test=dict(type=dataset_type, ann_file=data_root + 'annotations/instances_val2017.json',
              img_prefix=data_root + 'val2017/', pipeline=test_pipeline))
evaluation = dict(interval=1, metric='bbox')
model = dict(type='FasterRCNN')
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2))
lr_config = dict(policy='step', warmup='linear', warmup_iters=7, warmup_ratio=0.001, step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
checkpoint_config = dict(interval=1)
log_config = dict(interval=50, hooks=[dict(type='TextLoggerHook'), dict(type='TensorboardLoggerHook')])
custom_hooks = [dict(type='NumClassCheckHook')]
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
opencv_num_threads = 0
mp_start_method = 'fork'
auto_scale_lr = dict(enable=False, base_batch_size=16)
