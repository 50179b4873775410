"""SMS through Twilio: signed form posts in (messages and status callbacks), Messages API out."""
