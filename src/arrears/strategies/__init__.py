"""Treatment strategies as data: the strategy file format, the default strategy and the
message templates per step and language."""
