"""Demo data for `manage.py seed_demo` (`seed.demo_seed`): a month of parcels, delays,
complaints and amends, laid out relative to today.

A face, like the portal and the API: it may use every domain app's public services and models,
and nothing imports it except its own command and its tests. No models of its own. Kept out of
this package's `__init__` so Django can load the app before the models are ready.
"""
