"""Container health of `mpr serve`: /health answers 200 to a Host MPR serves, else exit 1."""

import os
import sys
import urllib.request

host = (os.environ.get("MPR_ALLOWED_HOSTS") or "localhost").split(",")[0].strip()
port = os.environ.get("MPR_PORT", "8000")
request = urllib.request.Request(f"http://127.0.0.1:{port}/health", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 - fixed URL
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
