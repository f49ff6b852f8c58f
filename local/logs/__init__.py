"""CloudWatch Logs paths of the embedded stack: filter patterns, subscription deliveries, the Firehose path."""
