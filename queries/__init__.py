"""All SQL of gridboard: tables, engine, panel queries and the write path. No Dash here."""
