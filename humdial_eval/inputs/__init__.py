"""Reading what comes from outside: the official layout, JSONL and WAV files, archives, test sets and submissions, and their validation."""
