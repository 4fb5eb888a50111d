"""The pure parts of replica routing: URLs split into hosts, WAL positions, settings."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from archive_search.settings import Settings, SettingsError, split_urls
from search.postgres_engine.routing import Databases, expand_hosts, lsn_int


def test_multi_host_url_becomes_one_conninfo_per_host() -> None:
    url = "postgresql://app:secret@h1:5432,h2:5433/arch?target_session_attrs=prefer-standby"
    hosts = [conninfo_to_dict(c) for c in expand_hosts(url)]
    assert [(h["host"], h["port"]) for h in hosts] == [("h1", "5432"), ("h2", "5433")]
    assert all(h["dbname"] == "arch" and h["user"] == "app" for h in hosts)
    assert all(h["password"] == "secret" for h in hosts)
    # choosing the host is the router's job, libpq must not choose again
    assert all("target_session_attrs" not in h for h in hosts)


def test_one_port_serves_every_host_and_mismatched_lists_are_refused() -> None:
    hosts = [conninfo_to_dict(c) for c in expand_hosts("host=a,b port=6000 dbname=x")]
    assert [(h["host"], h["port"]) for h in hosts] == [("a", "6000"), ("b", "6000")]
    with pytest.raises(ValueError, match="3 hosts but 2 ports"):
        expand_hosts("host=a,b,c port=1,2 dbname=x")


def test_databases_lists_the_hosts_of_every_url_without_connecting() -> None:
    db = Databases(["postgresql://h1:1,h2:2/db", "postgresql://h3:3/db"], background=False)
    assert [h.name for h in db.hosts] == ["h1:1", "h2:2", "h3:3"]
    with pytest.raises(ValueError):
        Databases([])


def test_lsn_text_compares_as_positions() -> None:
    assert lsn_int("0/0") == 0
    assert lsn_int("1/0") == 1 << 32
    assert lsn_int("16/B374D848") > lsn_int("16/B374D847") > lsn_int("15/FFFFFFFF")


def test_database_urls_split_on_commas_between_urls_not_inside_one() -> None:
    text = "postgresql://a:1,b:2/db, postgresql://c/db postgres://d/db"
    assert split_urls(text) == ("postgresql://a:1,b:2/db", "postgresql://c/db", "postgres://d/db")
    assert split_urls("host=a port=5 dbname=x") == ("host=a port=5 dbname=x",)
    assert split_urls("  ") == ()


def test_database_settings_are_read_and_checked() -> None:
    settings = Settings.from_env(
        {
            "ARCHIVE_SEARCH_DATABASE_URL": "postgresql://p/db,postgresql://r/db",
            "ARCHIVE_SEARCH_REPLICA_MAX_LAG": "2.5",
            "ARCHIVE_SEARCH_PUBLISH_WAIT": "0",
        }
    )
    assert settings.database_urls == ("postgresql://p/db", "postgresql://r/db")
    assert (settings.replica_max_lag, settings.publish_wait) == (2.5, 0.0)
    assert Settings.from_env({}).database_urls == ()
    for bad in ("-1", "nan", "inf", "soon", "٣"):
        with pytest.raises(SettingsError, match="ARCHIVE_SEARCH_REPLICA_MAX_LAG"):
            Settings.from_env({"ARCHIVE_SEARCH_REPLICA_MAX_LAG": bad})


def test_a_server_shutting_down_is_the_hosts_failure_a_cancelled_query_is_not() -> None:
    from psycopg import errors

    from search.postgres_engine.routing import _server_going

    assert _server_going(errors.AdminShutdown("unexpected postmaster exit"))
    assert _server_going(errors.CrashShutdown("crash of another server process"))
    assert _server_going(errors.ConnectionFailure("lost"))
    assert not _server_going(errors.QueryCanceled("statement timeout"))
    assert not _server_going(errors.SerializationFailure("conflict with recovery"))
    # psycopg leaving a pipeline after the server went: its own error, the cause as context
    try:
        try:
            raise errors.AdminShutdown("terminating connection due to unexpected postmaster exit")
        except errors.AdminShutdown:
            raise psycopg.OperationalError("cannot exit pipeline mode while busy")  # noqa: B904
    except psycopg.OperationalError as exc:
        assert exc.__cause__ is None and exc.__context__ is not None
        assert _server_going(exc)
    assert not _server_going(psycopg.OperationalError("cannot exit pipeline mode while busy"))
