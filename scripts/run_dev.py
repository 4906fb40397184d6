"""Serve the portal and run the task worker together; Ctrl-C (or either one dying) stops both.

Each child runs in a process group of its own, so a terminal's Ctrl-C reaches only this script,
which then stops each group as a whole: the worker's sub-processes go with it, none is orphaned.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, sig)


def main() -> int:
    manage = [sys.executable, str(ROOT / "manage.py")]
    children = [
        subprocess.Popen([*manage, "qcluster"], cwd=ROOT, start_new_session=True),
        subprocess.Popen([*manage, "runserver", ADDRESS], cwd=ROOT, start_new_session=True),
    ]
    print(f"Delay Desk on http://{ADDRESS}/ with the task worker. Ctrl-C stops both.", flush=True)

    def stop(*_):
        raise KeyboardInterrupt

    # Handled explicitly: a shell that started us in the background may have left SIGINT ignored.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    exit_code = 0
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        exit_code = next(child.returncode for child in children if child.poll() is not None)
        print("One of the processes stopped; stopping the other.", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nStopping the web server and the task worker…", flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for child in children:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Whatever of the group is left (a worker mid-task) goes now.
            _signal_group(child, signal.SIGKILL)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
