"""Embedded stand-ins for AWS and Slack, used by tests and (later) `make demo`. Loopback only."""
