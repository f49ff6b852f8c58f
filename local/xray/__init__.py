"""The X-Ray stand-in: segments kept, the service graph and trace summaries computed as X-Ray does."""
