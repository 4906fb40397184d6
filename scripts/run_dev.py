"""Serve the portal and run the task worker together; Ctrl-C (or either one dying) stops both."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def main() -> int:
    manage = [sys.executable, str(ROOT / "manage.py")]
    children = [
        subprocess.Popen([*manage, "qcluster"], cwd=ROOT),
        subprocess.Popen([*manage, "runserver", ADDRESS], cwd=ROOT),
    ]
    print(f"Delay Desk on http://{ADDRESS}/ with the task worker. Ctrl-C stops both.", flush=True)

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        exit_code = next(child.returncode for child in children if child.poll() is not None)
        print("One of the processes stopped; stopping the other.", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
