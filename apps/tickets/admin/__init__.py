"""Raw records of tickets (the Django admin); agents work in the desk app (`apps.desk`).

`tickets` holds the ticket list and record page (its reference opens the desk's workspace);
`records` the rows around a ticket, the reply templates and the SLA policies.
"""

from apps.tickets.admin import records, tickets

__all__ = ["records", "tickets"]
