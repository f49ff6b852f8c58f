"""Thin Lambda entry points: parse the event, call ``bot``, return."""
