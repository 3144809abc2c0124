"""profiling stage."""
