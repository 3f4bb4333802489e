"""The work queue: documents taken in become submissions (:mod:`.intake`), move through the queue's
states under one claim at a time (:mod:`.service`), are listed and searched (:mod:`.listing`) and
keyed from faxes (:mod:`.keying`)."""
