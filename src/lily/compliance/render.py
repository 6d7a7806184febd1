"""The report as CSV (the inventory, one row per personal-data column and tag, then the findings)
or HTML (one self-contained page, autoescaped)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from jinja2 import Environment

_COLUMNS = ("system", "namespace", "dataset", "column", "tag", "source", "status", "confidence", "owners",
            "region", "contracts", "flows_to", "enforcement", "provenance")


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", *_COLUMNS))
    for r in report["inventory"]:
        row = []
        for c in _COLUMNS:
            v = r.get(c)
            if c == "owners" or c == "contracts":
                v = ";".join(v or [])
            elif c == "flows_to":
                v = ";".join(f"{f['namespace'].rstrip('/')}/{f['name']}#{f['field']}" for f in v or [])
            elif c == "enforcement":
                v = ";".join(f"{e['target']}:{e['strategy'] or 'applied'}" for e in v if e["masked"]) if v else ""
            elif c == "provenance":
                v = json.dumps(v) if v else ""
            row.append("" if v is None else v)
        writer.writerow(("inventory", *row))
    writer.writerow(())
    writer.writerow(("section", "kind", "severity", "asset", "tag", "message"))
    for f in report["findings"]:
        writer.writerow(("finding", f["kind"], f["severity"], f["asset"], f["tag"] or "", f["message"]))
    return out.getvalue()


_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Compliance report — {{ r.tenant }}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border:1px solid #ccc;padding:4px;text-align:left;vertical-align:top}th{background:#f4f4f4}
.high{color:#b00}.medium{color:#b60}</style></head><body>
<h1>Compliance report</h1><p>Tenant {{ r.tenant }}, generated {{ r.generated_at }}.
{{ r.summary.personal_data_columns }} personal-data columns in {{ r.summary.datasets }} datasets;
{{ r.summary.findings }} findings.</p>
<h2>Record of processing (GDPR Art. 30)</h2><table>
{% for k, v in r.record_of_processing.items() %}<tr><th>{{ k.replace('_', ' ') }}</th><td>
{% if v is mapping %}{% for a, b in v.items() %}{{ a }}: {{ b }}<br>{% endfor %}{% else %}{{ v | join(', ') }}{% endif %}
</td></tr>{% endfor %}</table>
<h2>Findings</h2><table><tr><th>kind</th><th>severity</th><th>asset</th><th>tag</th><th>message</th></tr>
{% for f in r.findings %}<tr class="{{ f.severity }}"><td>{{ f.kind }}</td><td>{{ f.severity }}</td><td>{{ f.asset }}</td>
<td>{{ f.tag or '' }}</td><td>{{ f.message }}</td></tr>{% endfor %}</table>
<h2>Inventory</h2><table><tr><th>system</th><th>dataset</th><th>column</th><th>tag</th><th>source</th><th>owners</th>
<th>flows to</th><th>enforcement</th></tr>
{% for i in r.inventory %}<tr><td>{{ i.system }}</td><td>{{ i.namespace }}/{{ i.dataset }}</td><td>{{ i.column or '' }}</td>
<td>{{ i.tag }}</td><td>{{ i.source }}{% if i.confidence is not none %} ({{ i.confidence }}){% endif %}</td>
<td>{{ i.owners | join(', ') }}</td><td>{% for f in i.flows_to %}{{ f.name }}#{{ f.field }}{% if f.masking %} (masked){% endif %}<br>{% endfor %}</td>
<td>{% for e in i.enforcement %}{{ e.target }}: {{ e.strategy or 'applied' if e.masked else 'not masked' }} {{ e.applied_at }}<br>{% endfor %}</td></tr>
{% endfor %}</table>
<h2>Audit trail</h2><table><tr><th>at</th><th>type</th><th>what</th><th>actor</th></tr>
{% for a in r.audit_trail %}<tr><td>{{ a.at }}</td><td>{{ a.type }}</td><td>{{ a.kind or a.action }} {{ (a.after or a.before or {}).get('tag', '') if a.type == 'tag' else a.entity_id }}</td><td>{{ a.actor }}</td></tr>{% endfor %}
</table></body></html>"""
_TEMPLATE = Environment(autoescape=True).from_string(_HTML)


def to_html(report: dict[str, Any]) -> str:
    return _TEMPLATE.render(r=report)
