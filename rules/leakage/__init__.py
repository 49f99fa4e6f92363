"""leakage rules."""
