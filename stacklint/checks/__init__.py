"""Python checks for rules whose logic does not fit the declarative vocabulary."""
