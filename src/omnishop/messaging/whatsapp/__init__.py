"""WhatsApp Cloud API: signed webhooks in, Graph API /{phone_number_id}/messages out."""
