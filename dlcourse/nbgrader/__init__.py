"""Glue between the course and nbgrader, shared by ``dlcourse release`` and ``dlcourse grade``.

- :mod:`dlcourse.nbgrader.workspace` — a throw-away nbgrader course directory (config, gradebook, runs of
  nbgrader's converters) and deterministic notebook writing;
- :mod:`dlcourse.nbgrader.markup` — reading and checking the nbgrader markup of solution notebooks.

Named after the tool it wraps; it imports the real ``nbgrader`` package only inside functions.
"""
