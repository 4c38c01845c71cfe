"""labkit: what the labs need that is not the lesson.

- :mod:`labkit.datasets`: verified, validated loading of the shipped data.
- :mod:`labkit.checks`: immediate feedback on each exercise.
- :mod:`labkit.cli`: ``labkit verify`` and ``labkit info`` on the command line.
"""

__version__ = "0.1.0"
