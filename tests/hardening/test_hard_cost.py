"""Per-client cost accounting, the cheap-first queue and the time cap on every route.

Issue 12, finding 3: four threads from one address sending costly queries under
the request limit starved everyone, and a fuzzy query stopped after 3.0 s, not
2 s. The limiter now charges a client the time its requests take and caps its
requests in progress; each worker lets cheap requests in before costly ones;
the time cap is checked inside query expansion and matching. Finding 5: an
article page rendered any Markdown in full on every request (21 s).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from search import deadline, limits
from search.errors import SearchTimeout
from search.request import build_request
from search.service import SearchService
from tests.hardening.conftest import MARKER, build, write_state
from web import create_app
from web.admission import COSTLY_POINTS, CostlyLanes, Gate, estimate
from web.ratelimit import BucketStore, Limits, Rate, decide, parse_concurrent
from web.render import MAX_MARKDOWN_CHARS, render_article, strip_shortcodes

LIMITS = Limits(requests=Rate(10.0, 100), seconds=Rate(0.5, 2), concurrent=2)


def test_decide_refuses_for_each_reason() -> None:
    assert decide(LIMITS, 5.0, 1.0, 0) == (None, 0)
    assert decide(LIMITS, 5.0, 1.0, 2) == ("concurrent", 1)
    assert decide(LIMITS, 5.0, -1.0, 0) == ("seconds", 3)  # 1 s of debt at 0.5 s/s
    assert decide(LIMITS, 0.5, 1.0, 0) == ("requests", 1)
    assert decide(Limits(Rate(1.0, 1)), 5.0, -100.0, 99) == (None, 0)  # neither configured


def test_time_spent_uses_up_the_budget(tmp_path: Path) -> None:
    """Same number of requests, different cost: the costly client is refused, not the other."""
    store = BucketStore(tmp_path / "rl.sqlite3", LIMITS)
    now = 1_000.0
    for client, cost in (("cheap", 0.02), ("costly", 2.0)):
        for n in range(2):
            decision = store.admit(client, now + n)
            assert decision.allowed, (client, n)
            store.finish(client, decision.ticket, cost, now + n)
    assert store.admit("cheap", now + 2).allowed
    refused = store.admit("costly", now + 2)
    assert (refused.allowed, refused.reason) == (False, "seconds")
    assert refused.seconds_left == pytest.approx(-1.0) and refused.retry_after == 3
    assert refused.remaining >= 90  # not for lack of requests
    later = store.admit("costly", now + 2 + refused.retry_after)
    assert later.allowed  # the debt is paid back at 0.5 s a second


def test_requests_at_once_are_capped_per_client_across_stores(tmp_path: Path) -> None:
    """Two stores on one file stand for two workers: the cap counts both."""
    first, second = (BucketStore(tmp_path / "rl.sqlite3", LIMITS) for _ in range(2))
    one, two = first.admit("a", 10.0), second.admit("a", 10.0)
    assert one.allowed and two.allowed
    third = first.admit("a", 10.0)
    assert (third.allowed, third.reason, third.retry_after) == (False, "concurrent", 1)
    assert second.admit("b", 10.0).allowed  # another client
    second.finish("a", one.ticket, 0.0, 10.1)
    assert first.admit("a", 10.2).allowed


def test_a_request_of_a_dead_worker_is_forgotten(tmp_path: Path) -> None:
    from web.ratelimit import PRUNE_EVERY, STALE_AFTER

    store = BucketStore(tmp_path / "rl.sqlite3", LIMITS)
    store.admit("a", 0.0)
    store.admit("a", 0.0)  # never finished: their worker was killed
    assert store.admit("a", 1.0).reason == "concurrent"
    assert store.admit("a", STALE_AFTER + 1.0).allowed
    for n in range(PRUNE_EVERY):  # the sweep removes the rows too
        store.admit(f"c{n}", STALE_AFTER * 3)
    rows = store._db().execute("SELECT count(*) FROM running WHERE started < 1").fetchone()[0]
    assert rows == 0


def test_decision_is_readable_for_headers(tmp_path: Path) -> None:
    store = BucketStore(tmp_path / "rl.sqlite3", Limits(Rate(1.0, 5), Rate(0.5, 2), 0))
    decision = store.admit("a", 0.0)
    assert (decision.limit, decision.remaining, decision.reset) == (5, 4, 1)
    assert decision.seconds_limit == 2.0 and decision.seconds_left == 2.0
    assert decision.spent_share == 0.0


@pytest.mark.parametrize(("text", "cap"), [("2", 2), (" 0 ", 0), ("off", 0)])
def test_parse_concurrent(text: str, cap: int) -> None:
    assert parse_concurrent(text) == cap


@pytest.mark.parametrize("text", ["-1", "two", "1.5"])
def test_parse_concurrent_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="ARCHIVE_SEARCH_RATE_LIMIT_CONCURRENT"):
        parse_concurrent(text)


def test_the_client_over_its_concurrency_cap_gets_429(
    small_index: tuple[Path, Path], tmp_path: Path
) -> None:
    """A third request while two of the client's are running is refused in the one shape."""
    app = create_app(
        {"INDEX_DIR": str(small_index[1]), "RATELIMIT_STORE": str(tmp_path / "rl.sqlite3"),
         "RATELIMIT_CONCURRENT": 2}
    )  # fmt: skip
    store = app.extensions["archive_search.ratelimit"]
    held = [store.admit("127.0.0.1"), store.admit("127.0.0.1")]  # two in progress
    client = app.test_client()
    reply = client.get(f"/api/v1/search?q={MARKER}")
    assert reply.status_code == 429 and reply.headers["Retry-After"] == "1"
    assert "at once" in reply.get_json()["error"]["message"]
    for decision in held:
        store.finish("127.0.0.1", decision.ticket, 0.0)
    assert client.get(f"/api/v1/search?q={MARKER}").status_code == 200
    assert client.get(f"/api/v1/search?q={MARKER}").status_code == 200  # tickets returned


@pytest.mark.parametrize(
    ("path", "q", "match", "costly"),
    [
        ("/api/v1/search", "election", "all", False),
        ("/api/v1/search", "labour party election manifesto tax", "all", False),
        ("/api/v1/search", "co* st* pr*", "all", True),
        ("/api/v1/search", "market~2 growth~2", "all", True),
        ("/api/v1/search", " ".join(["the"] * 64), "any", True),
        ("/api/v1/search", "elect*", "all", False),
        ("/api/v1/export", "", "all", True),
        ("/articles/a/b", "", "all", False),
    ],
)
def test_estimate(path: str, q: str, match: str, costly: bool) -> None:
    assert (estimate(path, {"q": [q], "match": [match]}) >= COSTLY_POINTS) is costly


def test_gate_lets_cheap_requests_in_first_and_caps_costly_ones() -> None:
    gate = Gate(slots=2, costly_slots=1)
    assert gate.enter(costly=True, timeout=0)
    assert not gate.enter(costly=True, timeout=0.05)  # the one costly slot is taken
    assert gate.enter(costly=False, timeout=0)
    order: list[str] = []

    def wait(name: str, costly: bool) -> None:
        if gate.enter(costly, timeout=5):
            order.append(name)

    threads = [threading.Thread(target=wait, args=(f"costly{n}", True)) for n in range(2)]
    threads += [threading.Thread(target=wait, args=(f"cheap{n}", False)) for n in range(2)]
    for thread in threads:  # costly ones queue first, then the cheap ones
        thread.start()
        time.sleep(0.05)
    steps = [
        (False, ["cheap0"]),  # a slot frees: a cheap one goes, though it came later
        (True, ["cheap0", "cheap1"]),  # the costly one's slot: still a cheap one first
        (False, ["cheap0", "cheap1", "costly0"]),
        (False, ["cheap0", "cheap1", "costly0"]),  # a free slot, but the costly one is taken
        (True, ["cheap0", "cheap1", "costly0", "costly1"]),
    ]
    for costly, expected in steps:
        gate.leave(costly)
        time.sleep(0.1)
        assert order == expected
    for thread in threads:
        thread.join(5)


def test_costly_lanes_are_shared_by_every_worker(tmp_path: Path) -> None:
    """Two ``CostlyLanes`` on one base stand for two workers: one lane between them."""
    first, second = (CostlyLanes(tmp_path / "lanes", 1) for _ in range(2))
    held = first.take(timeout=0)
    assert held is not None
    assert second.take(timeout=0.1) is None  # waited, then gave up
    CostlyLanes.give_back(held)
    again = second.take(timeout=0)
    assert again is not None
    CostlyLanes.give_back(again)
    two = CostlyLanes(tmp_path / "two", 2)
    lanes = [two.take(timeout=0), two.take(timeout=0)]
    assert None not in lanes and two.take(timeout=0) is None
    for lane in lanes:
        assert lane is not None
        CostlyLanes.give_back(lane)


def test_a_request_queued_past_its_deadline_gets_503(
    small_index: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "SEARCH_TIME_LIMIT", 0.2)
    app = create_app(
        {"INDEX_DIR": str(small_index[1]), "RATELIMIT_ENABLED": False, "ADMISSION_SLOTS": 1}
    )
    gate = app.extensions["archive_search.admission"]
    assert gate.enter(costly=False, timeout=0)  # the only slot is busy
    reply = app.test_client().get(f"/api/v1/search?q={MARKER}")
    body = reply.get_json()
    assert reply.status_code == 503 and body["error"]["code"] == "overloaded"
    assert reply.headers["Retry-After"] == "1"
    gate.leave(costly=False)
    assert app.test_client().get("/healthz").status_code == 200


# -- the time cap inside a search -------------------------------------------------------


@pytest.fixture(scope="module")
def wide_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough distinct words that 30 fuzzy words take a while to expand."""
    archive = write_state(tmp_path_factory.mktemp("wide"), 0, 10)
    for n in range(300):
        words = " ".join(f"w{n}x{k}q{(n * k) % 97}" for k in range(40))
        (archive / f"w{n}.md").write_text(f"---\ntitle: W {n}\n---\n{words}\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("wide-index") / "ix"
    build(archive, index)
    return index


def test_fuzzy_expansion_stops_at_the_cap(wide_index: Path) -> None:
    """The cap is checked while fuzzy words are expanded, not only after matching."""
    service = SearchService(wide_index)
    query = " ".join(f"w{n}x{n}q{n}~2" for n in range(30))
    try:
        started = time.perf_counter()
        service.search(build_request({"q": ["w1x1q1~2"]}))  # opens the index; one word
        one_word = time.perf_counter() - started
        token = deadline.start(0.05)
        started = time.perf_counter()
        try:
            with pytest.raises(SearchTimeout):
                service.search(build_request({"q": [query]}))
        finally:
            deadline.stop(token)
        took = time.perf_counter() - started
    finally:
        service.close()
    print(f"\n30 fuzzy words under a 0.05 s cap: stopped after {took:.3f} s")
    assert took < 0.05 + max(0.15, one_word), took


def test_an_expired_clock_stops_an_article_render() -> None:
    source = "\n\n".join("[a](b) *c*" for _ in range(50))
    token = deadline.start(-1.0)
    try:
        with pytest.raises(SearchTimeout):
            render_article(source + " uncached", "markdown")
    finally:
        deadline.stop(token)


# -- article render bombs -----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "[" * 1_900_000,  # the body
        ("![" * 4_000 + "\n\n") * 60,  # many paragraphs, each under the paragraph cap
        "{{<" * 100_000,  # shortcode openings without a close: quadratic before
        "_a" * 200_000,
    ],
    ids=["brackets", "paragraphs", "shortcodes", "underscores"],
)
def test_article_render_is_bounded(source: str) -> None:
    started = time.perf_counter()
    html = render_article(source, "markdown")
    took = time.perf_counter() - started
    print(f"\n{len(source):,} characters rendered in {took:.3f} s")
    assert took < 1.5, took
    assert "<script" not in html


def test_render_caps_keep_ordinary_markdown() -> None:
    html = render_article(
        "# Title\n\nSome *emphasis* and [a link](https://example.org).", "markdown"
    )
    # the body's headings sit under the page's own h1, one level down
    assert "<h2>Title</h2>" in html and "<em>emphasis</em>" in html
    assert 'href="https://example.org"' in html
    big = "word " * (MAX_MARKDOWN_CHARS // 5 + 10) + "*not emphasis*"
    assert "<em>" not in render_article(big, "markdown")  # over the cap: plain text


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("a {{< x >}} b {{% y %}} c", "a  b  c"),
        ("{{< a {{% b %}} c >}}", " c >}}"),
        ("x {{< never closed", "x {{< never closed"),
        ("{{< a >}}{{<", "{{<"),
        ("a %}} {{< b", "a %}} {{< b"),
    ],
)
def test_strip_shortcodes(text: str, stripped: str) -> None:
    assert strip_shortcodes(text) == stripped


def test_article_page_with_a_render_bomb_answers_within_the_cap(tmp_path: Path) -> None:
    """Finding 5 end to end: the page and the API of a 1.9 M ``[`` article, twice."""
    archive = write_state(tmp_path / "archive", 0, 5)
    (archive / "bomb.md").write_text("---\ntitle: Bomb\n---\n" + "[" * 1_900_000, "utf-8")
    index = tmp_path / "ix"
    build(archive, index)
    client = create_app({"INDEX_DIR": str(index), "RATELIMIT_ENABLED": False}).test_client()
    article_id = client.get("/api/v1/search?q=bomb").get_json()["hits"][0]["id"]
    for path in (f"/articles/{article_id}", f"/api/v1/articles/{article_id}"):
        started = time.perf_counter()
        reply = client.get(path)
        took = time.perf_counter() - started
        assert reply.status_code == 200, (path, reply.status_code)
        assert took < limits.SEARCH_TIME_LIMIT, (path, took)
