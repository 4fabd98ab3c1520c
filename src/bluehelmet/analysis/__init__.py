"""Analyses over the event store: threats, forecasts, peacekeeping and more."""
