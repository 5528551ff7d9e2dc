"""`memorder show` (to be moved here)."""
from memorder.output.graph import register_cli as register  # noqa: F401
