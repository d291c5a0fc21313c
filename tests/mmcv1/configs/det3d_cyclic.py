# ruff: noqa: E501
# mmdet3d style: cyclic lr and momentum, AdamW, iteration-based
model = dict(type='VoxelNet')
data = dict(samples_per_gpu=6, workers_per_gpu=4,
            train=dict(type='RepeatDataset', times=2, dataset=dict(type='KittiDataset', pipeline=[])),
            val=dict(type='KittiDataset', pipeline=[]), test=dict(type='KittiDataset', pipeline=[]))
optimizer = dict(type='AdamW', lr=0.0018, betas=(0.95, 0.99), weight_decay=0.01)
optimizer_config = dict(grad_clip=dict(max_norm=10, norm_type=2))
lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=2, step_ratio_up=0.4)
momentum_config = dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1), cyclic_times=2,
                       step_ratio_up=0.4)
runner = dict(type='IterBasedRunner', max_iters=60)
evaluation = dict(interval=30, metric='bbox')
checkpoint_config = dict(interval=30)
log_config = dict(interval=50, hooks=[dict(type='TextLoggerHook'), dict(type='TensorboardLoggerHook')])
