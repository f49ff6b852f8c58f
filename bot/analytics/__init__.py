"""The analytics half: data Lookout collects without changing the app, and what reads it."""
