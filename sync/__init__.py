"""clientbase: the sync service (config, engine, sources, daemon, CLI)."""
