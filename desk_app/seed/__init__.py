"""Deterministic, realistic synthetic demo data: ``seed_database(ctx, scale)``.

Real Missouri county names are public facts; every person, SSN, date of birth, email and phone
number is synthetic. The same scale always yields the same data (fixed random streams, dates
placed relative to a fixed anchor day). Entity counts stay realistic at any scale; people,
accounts, educators and submissions scale linearly.
"""

from desk_app.seed.run import SeedSummary, seed_database

__all__ = ["SeedSummary", "seed_database"]
