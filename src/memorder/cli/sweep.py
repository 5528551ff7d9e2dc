"""`memorder sweep` and `memorder compare` (to be split)."""
from memorder.analyses.sweep import register_cli as register  # noqa: F401
