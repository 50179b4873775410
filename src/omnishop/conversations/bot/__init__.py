"""The chat bot: intents, slots and flows that sell through the domain services."""
