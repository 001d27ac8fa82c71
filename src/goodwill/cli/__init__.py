"""The `goodwill` command: a thin shell over goodwill.service."""

from goodwill.cli.main import app, main

__all__ = ["app", "main"]
