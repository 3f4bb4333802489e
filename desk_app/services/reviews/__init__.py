"""Access reviews (recertification campaigns): start a campaign (attestation PDFs and drafts per
entity), take the signed attestations back through the normal intake, apply their Remove marks
as one decision each, remind, and apply the default to entities that did not answer."""
