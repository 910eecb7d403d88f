"""Benchmarks of Arrears against a moto server: run `python -m bench.intake` (or `make bench`)."""
