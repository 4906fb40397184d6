"""Plans: what the demo holds, computed from the seed alone. Nothing here writes; ticket
plans read the shipments as written, since a complaint follows what the parcel did."""
