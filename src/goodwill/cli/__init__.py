"""The `goodwill` command: a thin shell over goodwill.service.

The app is `goodwill.cli.main.app`; the entry point is `goodwill.cli.launch.main`,
which starts the commands that need no workspace without importing the rest.
"""
