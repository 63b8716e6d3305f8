"""Adapters: the outside world behind the domain ports."""
