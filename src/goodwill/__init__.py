"""Goodwill: listen, respond and earn trust on social media, one person at a time."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
