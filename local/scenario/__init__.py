"""The embedded stack's incidents: the demo's app and its failure, and the eight scenarios with a known cause."""
