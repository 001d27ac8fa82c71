"""The operations every shell (CLI, API, pages) calls: one module per capability."""
