"""Python code run in a child process: for what must start from a fresh
interpreter, or must not change the one running the tests."""

import json
import subprocess
import sys


def run_python(source, env, *args):
    """Run ``source`` with ``env``; return the JSON its last line prints."""
    proc = subprocess.run(
        [sys.executable, "-c", source, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode:
        raise AssertionError(proc.stdout + proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])
