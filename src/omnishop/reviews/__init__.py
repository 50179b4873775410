"""Reviews and UGC: verified-purchase ratings, photos, moderation, rating summaries."""
