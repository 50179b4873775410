"""Messenger webhooks are Meta webhooks: see messaging.meta."""

from omnishop.messaging.meta import SIGNATURE_HEADER, challenge, verify_signature

__all__ = ["SIGNATURE_HEADER", "challenge", "verify_signature"]
