"""The live swarm: read it (`state`), judge its health (`health`), decide where a stack's
tasks can go as swarmkit's scheduler would (`constraints`, `scheduling`), turn that into
findings before a deploy (`preflight`), and say why tasks stay pending (`pending`)."""
