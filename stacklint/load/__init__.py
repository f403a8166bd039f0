"""Reading a chain: decode and parse each file with origins, interpolate, normalise short syntax, merge as Docker does."""
