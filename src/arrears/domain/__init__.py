"""Pure domain code: standard library only, no I/O, nothing of ours outside domain."""
