"""The agency's rules as data, and the pure functions that apply them (no DB, no Qt)."""
