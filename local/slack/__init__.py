"""The local Slack Web API (and its Socket Mode gateway) the embedded stack posts to."""
