"""Entrypoints: CLI, REST API, web desk. They only translate and call services."""
