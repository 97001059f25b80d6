"""Templates: descriptions and Word forms filled from records (Jinja2 sandbox, docxtpl)."""
