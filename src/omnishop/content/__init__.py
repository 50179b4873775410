"""CMS content: banners and promo blocks scheduled per channel and locale."""
