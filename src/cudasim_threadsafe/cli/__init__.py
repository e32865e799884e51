"""``python -m cudasim_threadsafe``'s parts: the reproducers and the parity
report."""
