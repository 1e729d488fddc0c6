"""Binds every feature file of this folder: each scenario is one test."""

from pytest_bdd import scenarios

scenarios(".")
