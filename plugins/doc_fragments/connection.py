# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Module documentation cannot carry env: entries (validate-modules refuses them), so the
    # environment variables are named in the descriptions.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - URL of the NVIDIA Air API.
      - A path that does not start with C(/api/v<N>) is replaced by C(/api/v3), as the official
        SDK does, so C(https://air.example.com) means C(https://air.example.com/api/v3).
      - If not set, the value of the E(AIR_API_URL) environment variable is used.
    type: str
    default: https://api.air-ngc.nvidia.com/api/v3
  api_token:
    description:
      - NGC API key (personal or service key) sent as a bearer token.
      - If not set, the value of the E(AIR_API_TOKEN) environment variable is used.
      - If neither is set, the C(apikey) stored by the NGC CLI in C(~/.ngc/config) is used. That
        file must hold exactly one key (in any section), and it must start with C(nvapi-).
      - Listing needs the C(air:simulation_read) scope; renaming, favoriting and deleting need
        C(air:simulation_edit).
      - The token is never logged or returned.
    type: str
  validate_certs:
    description:
      - Check the API server's TLS certificate.
      - Only set to V(false) for a test server you control; the module then warns that the
        token could reach an impostor.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates that sign the API server's certificate, for a private CA.
      - If not set, the system CA store is used (or E(REQUESTS_CA_BUNDLE) when set).
      - It must exist; a missing path fails before any request.
    type: path
  connect_timeout:
    description:
      - Seconds to wait for a TCP and TLS connection to the API, above 0 and at most 86400.
    type: float
    default: 16
  timeout:
    description:
      - Seconds to wait for the API's answer to each request (read timeout), above 0 and at
        most 86400.
    type: float
    default: 61
  retries:
    description:
      - How many times a failed request is retried.
      - Connection failures are retried for every request. Read timeouts and the statuses
        429, 502, 503 and 504 are retried for reads, deletes and updates only; a status of 500
        is not retried.
      - Waits grow exponentially from 1 second with random jitter, up to O(retry_max_delay); a
        C(Retry-After) header from the API is honoured up to the same limit.
      - Each retry is logged and returned in C(api_retries), visible with C(-v).
    type: int
    default: 5
  retry_max_delay:
    description:
      - Longest wait in seconds between two tries, 0 to 86400.
    type: float
    default: 60
  page_size:
    description:
      - Items requested per page when listing (the API's C(limit) parameter), from 1 to 1000.
    type: int
    default: 200
requirements:
  - requests >= 2.25
notes:
  - Set the connection options for every module at once with
    C(module_defaults) and the action group C(group/nvair.air.air).
"""
