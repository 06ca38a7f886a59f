"""Extraction layers: one module per kind of markup (the interface is in ``base``)."""
