"""The simulator's thread-safe core: the part that goes upstream.

Every module here becomes a module of upstream's ``numba.cuda.simulator``
under the same name (``buildscripts/export_upstream.py``), so these import
only each other and upstream, never the rest of this package.
"""
