# covers: `default_scope` and per-dict `_scope_` are plain data (kept as written, not interpreted)
default_scope = 'mmdet'
model = dict(_scope_='mmpretrain', type='ImageClassifier', backbone=dict(type='mmdet.ResNet'))
visualizer = dict(type='mmengine.Visualizer', vis_backends=[dict(type='LocalVisBackend')])
