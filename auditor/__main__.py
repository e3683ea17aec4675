from auditor.cli import entry

raise SystemExit(entry())
