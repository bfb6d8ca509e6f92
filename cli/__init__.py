"""The ``gridboard`` command line."""
