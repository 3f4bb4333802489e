"""Educator certification records: profiles and closed data (:mod:`.profiles`), their search
(:mod:`.search`), and printed certificates (:mod:`.certificates`)."""
