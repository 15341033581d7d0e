"""A local stand-in of the Act! Web API, to develop and test without Act!.

:mod:`.server` (configuration, login, rate limit, HTTP framing), :mod:`.api` (the
``/api/...`` resources), :mod:`.schema` (record shapes and validation), :mod:`.odata`
(the OData query subset), :mod:`.store` (its SQLite file), :mod:`.seed` (sample data).
"""
