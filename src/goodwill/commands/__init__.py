"""Command groups beyond the core ones in ``goodwill.cli``.

Each module has ``register(app)``, which adds its commands to the Typer app.
Heavy imports (web framework, client libraries, models) happen inside the
commands, so ``goodwill --help`` stays fast.
"""
