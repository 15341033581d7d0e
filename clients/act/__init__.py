"""Talking to Act!: the Web API client and the field mapping between Act! and our records.

:mod:`.client` (HTTP, login, paging, retries), :mod:`.errors` (what can go wrong),
:mod:`.wire` (paths, query strings and OData literals: no I/O), :mod:`.richtext` (Act!'s
rich text to plain text), :mod:`.mapping` (Act!'s fields to ours and back).
"""
