"""The agency's records of its own work: the audit log as a list with its chain check
(:mod:`.audit_log`) and open-records disclosure exports (:mod:`.disclosure`)."""
