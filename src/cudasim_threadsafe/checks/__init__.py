"""The sanitizer: checks of what a GPU leaves undefined.

``sanitize`` is the launch's plugin and the events the simulator's threads
send it; each check (``memcheck``, ``racecheck``, ``synccheck``,
``initcheck``) is a module that hears them, ``report`` words what they
find, and ``schedule`` reorders a block's threads.
"""
