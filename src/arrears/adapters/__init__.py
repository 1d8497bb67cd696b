"""Adapters: databases, the portfolio engine, channels, crypto."""
