"""Small helpers shared across kerasgan."""
