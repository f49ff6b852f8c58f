"""Lookout: CloudWatch alarms enriched with X-Ray, logs and metrics, posted to Slack."""

__version__ = "0.1.0"
