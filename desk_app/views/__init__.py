"""The Qt user interface. Views talk to services only; they receive frozen DTOs."""
