"""The page families of the web UI, one module each (see lily.web's docstring for the interface).

Registering a page family is adding its module to this import and to ``PAGES``.
"""

from lily.web.routes import (
    admin,
    assets,
    auth,
    compliance,
    contracts,
    events,
    governance,
    home,
    incidents,
    lineage,
    live,
    pii,
    pipelines,
    quality,
    search,
)

PAGES = (auth, home, search, assets, lineage, incidents, governance, pipelines, events, quality, pii, contracts, compliance, admin, live)
