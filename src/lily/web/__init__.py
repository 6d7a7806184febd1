"""The web UI: server-rendered pages (Jinja2 + htmx) served by the API process (docs/ui.md).

The API app mounts it with one line, ``web.install(app)`` (:mod:`lily.web.app`): static files,
the page routers, the Content-Security-Policy header, HTML error pages, CORS.

How a page family registers
---------------------------
A page family is one module in :mod:`lily.web.routes` that defines

- ``router``: an ``APIRouter`` whose handlers take the signed-in user from
  ``Depends(current_user)`` (or ``Depends(requires(Permission.X))``, which also checks the role)
  and render with :func:`lily.web.templating.render`; every state-changing handler also depends on
  :func:`lily.web.session.csrf_checked`;
- ``NAV`` (optional): a :class:`lily.web.routes.Nav` entry for the navigation bar, shown to roles
  that hold its permission;

and is listed once in ``PAGES`` in ``lily/web/routes/__init__.py``. Templates live in
``lily/web/templates`` and extend ``base.html`` (``{% block content %}``, ``{% block scripts %}``);
scripts and styles are files under ``lily/web/static`` (the policy forbids inline ones), and
third-party files go under ``static/vendor`` with an entry in its ``manifest.json``.
"""
