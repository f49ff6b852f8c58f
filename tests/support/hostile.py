"""Outside text that must never do harm: secrets that must never reach Slack, and hostile command text that must
never change a query's structure."""

from __future__ import annotations

SECRETS = [
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAY34FZKBOKMUTVV7A",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "xoxp-1234-5678-abcdef123456",
    "xapp-1-A0123-4567-abcdef",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
    "jane.doe@example.com",
]

HOSTILE = [
    '"',
    "'",
    '" | stats count(*) by @logStream | filter "',
    "' OR 1=1 --",
    "x'; DROP TABLE access_events; --",
    "/* comment */",
    "`backtick`",
    "a | fields @message",
    "line\nbreak",
    "tab\tbreak",
    "\\",
    '\\" | display @message',
    "ｓｅｌｅｃｔ",  # full-width letters
    "раураl",  # Cyrillic confusables
    "# not a comment",
    "x" * 10_000,
]
