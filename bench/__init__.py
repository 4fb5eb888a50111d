"""``make bench``: indexing throughput, query latency, HTTP load and relevance figures.

Run as ``python -m bench`` (``--quick`` for a smoke test, ``--only`` to pick
parts). Figures go to ``bench/results/latest.json`` and ``latest.md``. The
corpora are read from ``../shared/corpora`` and never modified: anything the
benchmarks write goes to temporary directories.
"""
