"""Running calls at the same moment from threads, each with its own database connection."""

import threading

from django.db import connection


def together(calls) -> tuple[list, list]:
    """Run each call in its own thread (and connection), all released at the same moment.

    Returns what the calls returned and what they raised, for the test to sort."""
    start = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            start.wait()
            results.append(call())
        except Exception as exc:  # the test sorts what was refused
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors
