"""Bringing existing communities into Wendao (one module per source format)."""
