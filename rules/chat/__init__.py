"""chat rules."""
