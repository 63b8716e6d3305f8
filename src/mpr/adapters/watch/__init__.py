"""Change notification from media stores."""
