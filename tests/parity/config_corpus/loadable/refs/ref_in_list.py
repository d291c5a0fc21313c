# covers: double-brace base references inside list and tuple literals in .py
_base_ = './ref_base.py'
scales = [{{_base_.img_scale}}, (640, 640)]
classes_and_one = ({{_base_.num_classes}}, 1)
mixed = [dict(n={{_base_.num_classes}}), [{{_base_.flag}}, {{_base_.nothing}}]]
