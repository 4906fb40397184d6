"""The shipments desk, one module per screen group; importing them registers the screens."""

from apps.shipments.admin import carriers, events, shipments

__all__ = ["carriers", "events", "shipments"]
