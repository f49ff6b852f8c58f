"""On-request queries: the saved-query catalog, parameter guardrails, Logs Insights and Athena runners."""
