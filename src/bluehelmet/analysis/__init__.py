"""Analyses over the store: threats to civilians, armed-group anatomy and engagement, forecasts, peacekeeping."""
