"""Pure functions on geometry: demo city, boundary import, simplification, map layers. No Dash, no SQL."""
