"""The PC bridge: mirrors Act! into the space and back.

:mod:`.runner` (the bridge's home, a pass, status), :mod:`.mirror` (Act! to the space:
pull, sweeps, group members), :mod:`.push` (device changes to Act!), :mod:`.rules` (what
both directions share), :mod:`.state` (what the bridge remembers), :mod:`.csv_mode`
(the same with Act!'s CSV export and import instead of the Web API).
"""
