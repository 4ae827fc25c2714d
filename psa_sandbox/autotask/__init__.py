"""Autotask PSA REST API (V1.0) imitation."""
