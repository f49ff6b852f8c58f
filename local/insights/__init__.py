"""The CloudWatch Logs Insights stand-in: its query language parsed and run over moto's log events."""
