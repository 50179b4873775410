"""Conversations: threads with customers on every messenger, the bot, the operator queue."""
