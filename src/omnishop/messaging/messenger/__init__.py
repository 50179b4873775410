"""Facebook Messenger Platform: signed page webhooks in, the Send API out."""
