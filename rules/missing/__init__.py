"""missing rules."""
