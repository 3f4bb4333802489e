"""desk_app: the security administrators' workbench of a state education agency."""

__version__ = "0.1.0"
APP_NAME = "desk_app"
APP_TITLE = "Desk App — Web Systems Security"
ORG_NAME = "StateEducationAgency"
