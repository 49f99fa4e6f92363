"""duplicates rules."""
