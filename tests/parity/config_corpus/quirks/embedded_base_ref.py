# covers: a base reference embedded inside a longer string. mmengine swaps it for a random
# placeholder before parsing and never swaps it back, so the value is random garbage
_base_ = './quirk_base.py'
run_name = 'run_{{_base_.name}}'
