"""records rules."""
