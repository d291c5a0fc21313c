# ruff: noqa: E501
# int step with min_lr clipping, constant warm-up, fp16 with a static loss scale
model = dict(type='RetinaNet')
data = dict(samples_per_gpu=4, workers_per_gpu=0, persistent_workers=False,
            train=dict(type='VOCDataset', ann_file='trainval.txt', img_prefix='VOC2007/', pipeline=[]),
            val=dict(type='VOCDataset', ann_file='test.txt', img_prefix='VOC2007/', pipeline=[]),
            test=dict(type='VOCDataset', ann_file='test.txt', img_prefix='VOC2007/', pipeline=[]))
evaluation = dict(interval=2, metric='mAP', save_best='auto')
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001,
                 paramwise_cfg=dict(norm_decay_mult=0.))
optimizer_config = dict(grad_clip=None)
fp16 = dict(loss_scale=512.)
lr_config = dict(policy='step', step=3, gamma=0.5, min_lr=2e-3, warmup='constant', warmup_iters=4,
                 warmup_ratio=0.1)
runner = dict(type='EpochBasedRunner', max_epochs=10)
checkpoint_config = dict(interval=2, max_keep_ckpts=3)
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook'), dict(type='WandbLoggerHook',
                  init_kwargs=dict(project='voc'))])
seed = 42
deterministic = True
gpu_ids = [0]
resume_from = 'work_dirs/retina/latest.pth'
workflow = [('train', 1), ('val', 1)]
