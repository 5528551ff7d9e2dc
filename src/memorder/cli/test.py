"""`memorder test` (to be moved here)."""
from memorder.analyses.regress import register_cli as register  # noqa: F401
