"""Enrichment: what on-call needs beside the alarm (X-Ray stats, log lines, a metric sparkline).

Enrichers know nothing about Slack: each returns a plain dataclass from ``bot.enrich.model``.
"""
