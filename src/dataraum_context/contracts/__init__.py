"""Contracts every stage shares with the runner, below the stage packages.

- `run_context`: what a stage's persist function is handed (the run, the workspace).
- `review`: review proposals a stage's gate node returns and the decisions it is given back.

Stage packages import these; they never import `pipeline` (the runner that calls them).
"""
