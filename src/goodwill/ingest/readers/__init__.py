"""One reader per file format; readers yield ParsedMessages and never touch the store."""
