"""What numba-cuda's suite needs from its repository's conftest, and a
recorder of each test's outcome for ``upstream_suites.py``.

Outcomes go, as JSON, to the file named by ``UPSTREAM_OUTCOMES``, keyed by
``module::Class::test`` ids that ``pytest --pyargs`` accepts back.
"""

import json
import os

import pytest


@pytest.fixture(scope="class")
def initialize_from_pytest_config():
    # numba-cuda's CUDATestCase asks for it; its conftest reads options for
    # real GPUs there, which the simulator does not need.
    yield


_outcomes = {}


def _is_worker(config):
    return hasattr(config, "workerinput")


def pytest_collection_modifyitems(items):
    # The id travels with each report, from xdist workers too.
    for item in items:
        module = getattr(item, "module", None)
        rest = item.nodeid.split("::", 1)[-1]
        if module is not None:
            item.user_properties.append(
                ("upstream_id", "%s::%s" % (module.__name__, rest))
            )


def _record(test_id, outcome):
    if _outcomes.get(test_id) != "failed":
        _outcomes[test_id] = outcome


def pytest_runtest_logreport(report):
    test_id = dict(report.user_properties).get("upstream_id", report.nodeid)
    if report.failed:
        _record(test_id, "failed")
    elif hasattr(report, "wasxfail"):
        if report.when == "call" or report.skipped:
            _record(test_id, "xfailed")
    elif report.skipped:
        _record(test_id, "skipped")
    elif report.when == "call":
        _record(test_id, "passed")


def pytest_collectreport(report):
    # A module that skips or fails at import is one outcome, as pytest
    # counts it.
    if report.failed:
        _record("collect::" + report.nodeid, "failed")
    elif report.skipped:
        _record("collect::" + report.nodeid, "skipped")


def pytest_sessionfinish(session):
    path = os.environ.get("UPSTREAM_OUTCOMES")
    if path and not _is_worker(session.config):
        with open(path, "w") as f:
            json.dump(_outcomes, f, indent=0, sort_keys=True)
