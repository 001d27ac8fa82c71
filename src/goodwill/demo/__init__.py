"""The demo workspace: hand-written conversations for a fictional brand, and a generator for large synthetic workspaces."""
