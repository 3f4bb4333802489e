"""Review of one submission: the verification report (:mod:`.verification`, with the request
checks in :mod:`.checks` and signer authority in :mod:`.signers`), security PINs (:mod:`.pins`),
signature specimens and attestations (:mod:`.specimens`), and the decision that applies an
approved request (:mod:`.decisions`, :mod:`.apply`) and drafts the reply (:mod:`.replies`)."""
