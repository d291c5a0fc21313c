# covers: an inheritance cycle cycle_a.py -> _parts/cycle_b.py -> cycle_a.py
_base_ = './_parts/cycle_b.py'
a = 1
