"""Supervisor analytics: portfolio, operations and strategy figures, charts and reports."""
