"""Block Kit presentation: every message Lookout posts is built and validated here, nowhere else."""
