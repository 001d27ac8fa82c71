"""Training the understanding models: corpora, labelling, training scripts (not needed at run time)."""
