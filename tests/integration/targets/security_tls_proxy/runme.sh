#!/usr/bin/env bash
# TLS verification (default, ca_path, validate_certs: false, REQUESTS_CA_BUNDLE) and proxy
# environment variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), all on 127.0.0.1.
set -euo pipefail

"${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}" check_tls_proxy.py "$@"
