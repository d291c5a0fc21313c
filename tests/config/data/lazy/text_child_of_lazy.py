_base_ = './toy.py'
