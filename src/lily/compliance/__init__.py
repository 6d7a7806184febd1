"""The compliance report (GDPR Art. 30 record, inventory, findings, audit trail), computed from the
catalog: ``report.gather`` reads, ``report.build`` is pure, ``render`` writes CSV and HTML."""
