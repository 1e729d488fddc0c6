"""Binds every feature file of this folder: each scenario is one test."""

from pathlib import Path

import pytest
from pytest_bdd import scenarios

from harness.suite.feature_files import feature_file_problem

problem = None
try:
    scenarios(".")
except (Exception, pytest.fail.Exception) as exc:
    # A feature file written wrong: where and what, without pytest-bdd's traceback.
    problem = feature_file_problem(exc, Path(__file__).parent)
    if problem is None:
        raise
if problem is not None:  # outside the handler: no chained traceback either
    pytest.fail(problem, pytrace=False)
