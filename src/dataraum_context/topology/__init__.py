"""topology stage."""
