"""memorder: a model checker for small concurrent programs under RC11 (C++20 / Rust atomics)."""

__version__ = "0.1.0"
