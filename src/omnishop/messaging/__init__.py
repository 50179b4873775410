"""One adapter per messenger: verify and parse webhooks into ``InboundMessage``, send replies."""
