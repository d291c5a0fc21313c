# covers: double-brace base references reaching values that came from a base-of-base,
# and values that the base itself produced through its own references
_base_ = './ref_nested.py'
head_classes = {{_base_.model.head.num_classes}}
neck_norm = {{_base_.model.neck}}
scale_from_grandparent = {{_base_.img_scale}}
