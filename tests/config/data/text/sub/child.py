_base_ = '../base.py'
item4 = 'from_sub'
