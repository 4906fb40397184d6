"""The tickets desk, one module per screen group; importing them registers the screens.

`tickets` holds the ticket list with the queue (`queue_page`) and the workspace (`workspace`)
under it; `records` the rows around a ticket and the reply templates.
"""

from apps.tickets.admin import records, tickets

__all__ = ["records", "tickets"]
