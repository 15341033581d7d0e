"""Import and export of records: JSON, CSV (our names or Act!'s) and vCard.

:mod:`.files` reads a file into rows (:mod:`.jsonfile`, :mod:`.csvfile`, :mod:`.vcard`,
all over :mod:`.rows`) and writes records back out; :mod:`.plan` checks the rows,
decides what each one does, and writes them in batches.
"""
