"""One module per route; each is a few lines over ``dashboards.command``."""
