"""The package list, found rather than kept by hand: ``lint/`` is ``trainlint`` and ``rules/`` is
``trainlint.rules`` (``package-dir`` in pyproject.toml, where everything else is configured), and
every folder below them with an ``__init__.py`` is a subpackage.  setuptools' own ``packages.find``
cannot do this: it names packages after their folders (``lint.sources``), never ``trainlint.sources``."""

from setuptools import find_packages, setup

setup(packages=["trainlint", *(f"trainlint.{p}" for p in find_packages("lint")),
                "trainlint.rules", *(f"trainlint.rules.{p}" for p in find_packages("rules"))])
