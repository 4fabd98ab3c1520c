"""Analyses that read the store: each module answers one question and returns frames."""
