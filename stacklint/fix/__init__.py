"""Fixes as minimal text edits: the fixer and its span helpers, the fixes themselves with their reparse guard, and the check of what Docker would still refuse."""
