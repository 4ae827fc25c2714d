"""ConnectWise PSA (Manage) REST API 3.0 imitation."""
