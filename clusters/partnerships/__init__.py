"""Strategic cluster partnerships: programmes, calls, partnerships and their members, impact
reports, the officers' dashboard, and their pages. The models live in
``clusters/models/partnerships.py``; every write goes through ``services`` and
``impact_reports``."""
