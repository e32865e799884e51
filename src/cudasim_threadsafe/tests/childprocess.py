"""Python code run in a child process: for what must start from a fresh
interpreter, or must not change the one running the tests."""

import json
import subprocess
import sys
import tempfile


def run_python(source, env, *args):
    """Run ``source`` with ``env``; return the JSON its last line prints.

    The child runs in an empty folder: ``-c`` puts its working folder first
    on ``sys.path``, and a checkout of numba-cuda (where its suite runs)
    would shadow the installed package with sources lacking their built
    extensions."""
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.run(
            [sys.executable, "-c", source, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=folder,
        )
    if proc.returncode:
        raise AssertionError(proc.stdout + proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])
