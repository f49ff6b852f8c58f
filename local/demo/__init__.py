"""`make demo`: the demo's run, its checks, escalation and log errors, and its configuration."""
