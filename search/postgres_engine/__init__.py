"""The PostgreSQL engine: articles in tables, searched with PostgreSQL's full-text search,
served from streaming replicas (``routing``)."""
