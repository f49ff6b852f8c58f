"""Incident scenarios on the embedded stack: eight failures with a known cause (a bad deploy, a configuration
change, a failing dependency, throttling by one, a Lambda timeout, reserved concurrency, DynamoDB throttling, a
memory limit), seeded through ordinary boto3 calls in the real shapes of their log lines, metrics, X-Ray segments
and CloudTrail events (``SOURCES.md``), each fired through the real alarm handler; and a scorer that reads the
first card each posted and checks that it names the failing resource and the cause's evidence.

``python -m local.scenario.incidents.score --write docs/scenarios.md`` runs them and publishes the table.
Not for: the demo's incident (``local.scenario.incident``).
"""
