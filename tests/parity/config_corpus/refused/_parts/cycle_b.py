# covers: the other half of the cycle started by ../cycle_a.py
_base_ = '../cycle_a.py'
b = 2
