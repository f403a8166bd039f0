"""One module per subcommand: each has `register(subparsers)` and `run(args) -> int`; `options` holds the flags several of them share."""
