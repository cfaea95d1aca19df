"""The demo world (示例数据) that `make run` builds and `manage.py seed_demo` rebuilds.

It sits above every domain app (it writes their records through the same bulk paths their services
use) and nothing imports it but its command and the benchmark, which borrows its vocabulary. The
builder is the package `eldercare.demo.world`; the invented names and places are in `names`.
"""
