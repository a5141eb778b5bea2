"""Real threads released together, each with its own database connection, so
that row locks (not the test) decide who wins. Used on PostgreSQL."""

import threading

from django.db import connections


def at_once(n, act):
    """Run ``act(i)`` in ``n`` threads released together; their results, in order
    (an exception is a result the test reports)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = act(i)
        except Exception as exc:  # noqa: BLE001 - a crash is a result the test reports
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
