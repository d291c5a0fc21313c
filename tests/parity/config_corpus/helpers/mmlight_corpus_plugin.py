"""A stand-in for a user's plugin package: config files name it in `custom_imports`."""

IMPORTED = True
