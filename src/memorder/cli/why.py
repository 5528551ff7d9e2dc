"""`memorder why` (to be moved here)."""
from memorder.analyses.explain import register_cli as register  # noqa: F401
