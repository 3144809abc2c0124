"""temporal stage: nodes arrive with its issue; the stage runs and records nothing until then."""
