"""The Slack side of Lookout, at the edge of the house: ``blocks`` (Block Kit presentation), ``transport``
(posting, credentials, the courier) and ``edge`` (the front door, the Bolt app, buttons, command answers).
Domain packages never import it; it imports them."""
