"""Security adapters: password hashing and the server secret."""
