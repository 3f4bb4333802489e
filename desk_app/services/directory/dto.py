"""Frozen dataclasses handed to views. Views never see ORM objects or sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class OperatorDTO:
    username: str
    display_name: str
    role: str
    role_title: str
    workstation_id: str


@dataclass(frozen=True)
class EntityRow:
    id: str
    kind: str
    kind_title: str
    code: str
    name: str
    county: str
    city: str
    user_managers: int
    has_pin: bool
    pin_locked: bool
    active: bool


@dataclass(frozen=True)
class OfficerDTO:
    person_id: str
    name: str
    role: str
    title: str
    email: str
    start_date: date
    end_date: date | None
    officer_id: str = ""  # the appointment (its dates are corrected by this id)


@dataclass(frozen=True)
class BuildingDTO:
    id: str
    code: str
    name: str
    grades: str
    active: bool = True


@dataclass(frozen=True)
class UserManagerDTO:
    designation_id: str
    username: str
    name: str
    email: str
    since: datetime


@dataclass(frozen=True)
class EntityDetail:
    row: EntityRow
    address: str
    phone: str
    fax: str
    email: str
    agency_contact: str
    pin_issued_at: datetime | None
    officers: tuple[OfficerDTO, ...]
    buildings: tuple[BuildingDTO, ...]
    user_managers: tuple[UserManagerDTO, ...]
    row_version: int
    updated_at: datetime
    updated_by: str
    county_code: str = ""
    status: str = "open"
    opened_on: date | None = None
    closed_on: date | None = None
