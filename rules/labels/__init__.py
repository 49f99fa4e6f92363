"""labels rules."""
