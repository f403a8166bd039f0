"""Deploying: the gate, the Docker CLI calls, service specs as Docker converts them, the plan, the rollout and the deploy history."""
