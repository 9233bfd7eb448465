"""Students, results, study plans and the dual degree audit."""
