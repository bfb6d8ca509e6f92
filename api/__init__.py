"""HTTP routes beside the Dash pages (map layers, data version; later the intake API)."""
