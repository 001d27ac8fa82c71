"""Sources of messages. `files` reads exports; live platforms come later behind one protocol."""
