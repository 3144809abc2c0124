from dataraum_context.cli import entry

entry()
