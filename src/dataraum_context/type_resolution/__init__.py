"""type resolution stage."""
