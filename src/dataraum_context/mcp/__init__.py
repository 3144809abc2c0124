"""`dataraum mcp`: the Model Context Protocol server (see server.py)."""
