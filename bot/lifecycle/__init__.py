"""The alert lifecycle: one Slack message per incident, updated as the alarm changes state, with threads,
storm grouping, acknowledgement and silence, routing, and exactly-once posting per state change."""
