"""Topics and emerging issues: topic clusters over messages with keyphrase
labels, volume and negative share per topic and day with alerts beyond the
normal range, and share of voice against competitors. Pure: texts, vectors
and times in, plain data out; the service reads and stores them."""
