# covers: double-brace base references in .py as whole values - tuple, dict, list, str, bool,
# None, a dotted path three levels deep, and spaces inside the braces
_base_ = './ref_base.py'
scale = {{_base_.img_scale}}
norm_cfg = {{_base_.norm}}
test_pipeline = {{_base_.pipeline}}
deep = {{_base_.meta.a.b.c}}
deep_list = {{ _base_.meta.a.b.d }}
flag2 = {{_base_.flag}}
none2 = {{_base_.nothing}}
