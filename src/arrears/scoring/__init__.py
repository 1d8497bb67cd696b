"""Risk scoring: a model workbench (scorecard, gradient boosting), collections behaviour
scores on the book, reason codes and drift monitoring.

Floats live here and only here: scores are probabilities, never money.
"""
