"""Bringing messages in: file readers, preparing batches, writing them, and the listen loop."""
