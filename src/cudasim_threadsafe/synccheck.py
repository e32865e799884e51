"""synccheck: threads of a block that pass one barrier from different
``syncthreads`` calls, or from one call a different number of times.

Each thread records where it arrives (the kind of barrier and its source
line) and how many times it arrived there; when the barrier is released
the arrivals must agree. Threads that have exited do not arrive, and do
not count (the GPU lets them go since Volta).
"""

from . import report


def released(state, arrivals):
    """Check the arrivals of a barrier just released."""
    if len(arrivals) < 2:
        return
    sites = {}
    for thread, site, count in arrivals:
        sites.setdefault((site, count), []).append(thread)
    if len(sites) < 2:
        return
    from .sanitize import site_text

    groups = sorted(sites.items(), key=lambda kv: -len(kv[1]))
    (site_a, count_a), threads_a = groups[0]
    (site_b, count_b), threads_b = groups[1]
    if site_a == site_b:
        how = "the same %s a different number of times (%d, %d)" % (
            site_a[0],
            count_a,
            count_b,
        )
    else:
        how = "different barriers"
    block = state.block
    state.sanitizer.report.add(
        "synccheck",
        "divergent barrier: in block %s, threads %s at %s %s and threads "
        "%s at %s %s: %s"
        % (
            list(block.blockIdx),
            _threads(threads_a),
            site_a[0],
            site_text(site_a),
            _threads(threads_b),
            site_b[0],
            site_text(site_b),
            how,
        ),
        key=(site_a, site_b),
    )


def _threads(threads, most=4):
    shown = ", ".join(str(list(t.threadIdx)) for t in threads[:most])
    if len(threads) > most:
        shown += ", ... (%d in all)" % len(threads)
    return "[%s]" % shown


__all__ = ["released", "report"]
