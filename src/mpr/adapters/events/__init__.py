"""Event channels: domain events from one process to the others."""
