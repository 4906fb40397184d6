"""Customer pages: no account, no models of their own; they call selectors and services.

tracking: the parcel lookup, the parcel page and a request about it; contact: the general form
and its email confirmation; ticket_page: everything behind a ticket's private link; staff: the
agents' attachment downloads.
"""
