"""The Slack app edge: the front door (slash commands), the Bolt app (buttons, Socket Mode) and the answers to
commands."""
