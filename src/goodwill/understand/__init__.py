"""Understanding: the signals of each message."""
