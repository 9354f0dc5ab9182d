"""History across commits: the SQLite store, importers, and what the CLI reads from them."""
