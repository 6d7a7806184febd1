"""The page families of the web UI, one module each (see lily.web's docstring for the interface).

Registering a page family is adding its module to this import and to ``PAGES``.
"""

from lily.web.routes import assets, auth, home, lineage, live, search

PAGES = (auth, home, search, assets, lineage, live)
