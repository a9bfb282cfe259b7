"""pydantic models for every write, one module per domain. They validate at
the edge with messages a person understands; the database constrains again."""
