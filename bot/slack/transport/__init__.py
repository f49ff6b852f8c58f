"""Transport to Slack: posting with retries within a deadline, the credentials, and the courier that carries out
what the lifecycle decided."""
