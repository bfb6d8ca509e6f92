"""Dash pages and components. No SQL here."""
