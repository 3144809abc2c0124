from dataraum_context._entry import entry

entry()
