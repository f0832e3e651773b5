"""Backends: one module per source kind behind the Protocol in ``base``."""
