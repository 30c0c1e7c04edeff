"""Pitfall labs (format 2): an exercise that starts by making a common mistake on purpose.

`pitfall:` is an exercise's block plus `mistake` (a script the learner runs first) and
`symptoms` (checks that must hold once the mistake is made); the checks then judge the fix.
Progress, export and review treat it exactly as an exercise.
"""

from __future__ import annotations

from .exercise import FIELDS as EXERCISE_FIELDS
from .exercise import ExerciseMode

NAME = "pitfall"
FIELDS = EXERCISE_FIELDS + ("mistake", "symptoms")


class PitfallMode(ExerciseMode):
    name = NAME
    required = FIELDS


MODE = PitfallMode()
