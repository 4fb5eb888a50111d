"""A fresh database per caller on the test cluster (``pg_cluster`` in ``tests/conftest.py``
starts the servers)."""

from __future__ import annotations

import uuid

import psycopg


def new_database(admin_url: str) -> str:
    """A fresh, empty database on the server of ``admin_url``; its URL."""
    name = f"as_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo("", **info)
