"""Pure mission planning: zones, patterns, allocation, preflight checks, plan files."""
