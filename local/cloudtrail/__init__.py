"""The CloudTrail LookupEvents stand-in: the management events the embedded world produced."""
