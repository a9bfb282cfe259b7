"""Heartbeat's data layer: configuration, the database server, migrations,
connections that carry the signed-in person's identity, reads and writes."""
