"""Telegram Bot API: webhook updates in (aiogram types), Bot API calls out, Payments."""
