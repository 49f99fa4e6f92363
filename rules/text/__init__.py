"""text rules."""
