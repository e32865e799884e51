"""The sanitizer: checks of what a GPU leaves undefined.

``events.Check`` is the one interface of the checks: a method for each
event of a sanitized launch (a block begins, an element is loaded or
stored, an index is out of bounds, a barrier or a warp collective
completes, the simulator errs), doing nothing. Each check is a module with
one subclass that overrides the events it needs: ``memcheck.MemCheck``,
``racecheck.RaceCheck``, ``synccheck.SyncCheck``, ``initcheck.InitCheck``.
``sanitize`` is the launch's plugin, which makes the checks that are on
and sends each event to those that hear it; ``checkedarrays`` are the
arrays that send the memory events, ``memory`` keeps what is written of
them, ``report`` words what the checks find, and ``schedule`` reorders a
block's threads.
"""
