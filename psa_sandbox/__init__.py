"""psa_sandbox: stateful local imitations of the Datto Autotask PSA REST API and the ConnectWise PSA
(Manage) REST API, served from one process on 127.0.0.1.

It is the test target of the msp.psa collection and the default back end of `make demo`. It is not
part of the Galaxy artifact. Start it with ``python -m psa_sandbox --port N [--seed FILE]``.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
