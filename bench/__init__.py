"""Benchmarks: ``python -m bench`` prints each figure beside the reference measured in the same run.

Each ``bench/bench_<area>.py`` defines ``run(env) -> list[Figure]``. Run one area with
``python -m bench entities`` (module suffix); ``--scale F`` picks the demo database size.
"""
