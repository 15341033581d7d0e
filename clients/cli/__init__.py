"""The ``handsync`` command line: a click group whose commands load their modules only
when they run, so ``--help`` and the device commands start at once.

:mod:`.main` (the group), :mod:`.records` (shared options and record commands),
:mod:`.device`, :mod:`.exchange`, :mod:`.inspect`, :mod:`.bridge`, :mod:`.sandbox`,
:mod:`.demo`.
"""
