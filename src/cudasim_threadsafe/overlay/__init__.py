"""The overlay: puts the fix into an imported upstream ``numba.cuda``.

``install`` replaces what upstream's simulator shares between threads
with the per-thread pieces of ``..simulator``; ``hook`` decides whether to
install, and is what the start-up hook calls.
"""
