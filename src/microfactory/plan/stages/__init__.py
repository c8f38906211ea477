"""Plan stages: each reads what it needs from the store, runs an engine, writes its result back."""
