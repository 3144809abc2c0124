"""Domain ontologies (YAML files beside this module), shipped in the wheel."""
