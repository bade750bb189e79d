"""The benchmark suite of issue 6: ``python -m zjk_charity.bench``.

It generates synthetic application workbooks (10,000 and 100,000 applicants by
default) in a temporary folder, runs each case several times in a fresh process, and
prints rows, median seconds, rows/s and peak memory, then the ratios the targets are
stated in, all measured side by side in the same run. Peers (python-calamine,
openpyxl, pandas, xlsxwriter, frictionless-py when installed) are measured the same
way, so a slow or busy machine moves both sides of a ratio.

Benchmarks are not tests: nothing here asserts a time. This package is a developer
tool, so unlike the library it prints (``__main__``) and imports the peers directly.
Cases and ratios are a registry (``cases.register_case`` / ``register_ratio``) so the
allocation and wishes commands can add theirs.
"""
