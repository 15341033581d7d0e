"""The device client: a home folder holding one replica, its connection to the relay,
live sync, inspection, and import/export of files.

:mod:`.home` (the home, its lock and the :class:`~clients.device.home.Device`),
:mod:`.connection` (one sync with the relay), :mod:`.watch` (staying connected),
:mod:`.inspect` (what the CLI's inspect commands show), :mod:`.exchange` (files).
"""
