"""The pieces of ``export_upstream.py``, one job each (see its docstring)."""
