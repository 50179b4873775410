"""The sandbox PSP: a pretend external payment provider with its own database.

It lives in-process for the demo and tests but behaves like a stranger: its commits are
independent of omnishop's, it knows nothing of our tables, and it tells us about outcomes only
through signed webhooks (``signing``) and the gateway adapter (``gateway``).
"""
