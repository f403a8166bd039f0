"""Policy: the config, the rule files and their condition language, the rule engine and its checks, suppressions, and the one call that runs them all."""
