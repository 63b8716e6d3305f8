"""Use cases: one module each; they depend on the domain's ports only."""
