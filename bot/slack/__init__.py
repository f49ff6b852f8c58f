"""Slack: Block Kit rendering (the only place that knows Block Kit) and posting."""
