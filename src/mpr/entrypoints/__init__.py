"""Entrypoints: the web app, the CLI, the workers; thin layers over the use cases."""
