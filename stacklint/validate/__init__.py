"""Validation as Docker does it: each file against its version's schema, then the merged stack, then what Docker refuses after its schema."""
