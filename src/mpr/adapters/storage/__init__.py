"""Media storage adapters: a local folder or S3-compatible buckets."""
