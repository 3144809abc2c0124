"""Hamilton dataflows of dataraum-context, one module per stage, in flow order.

A node's name is the noun it returns, its parameters are its dependencies, its
docstring says what it is. Nodes are thin: they call domain code in
`dataraum_context.<stage>` and return typed values.
"""
