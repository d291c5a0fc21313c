_base_ = './deprecated.py'
