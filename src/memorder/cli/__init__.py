"""The command line."""
from memorder.cli.app import entry, main

__all__ = ["entry", "main"]
