#!/usr/bin/env bash
# Print a Python >= 3.12 interpreter (python3.12 may be a pyenv shim that is not active).
for candidate in python3.12 python3.13 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12 python3; do
  for path in $candidate; do
    if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      echo "$path"
      exit 0
    fi
  done
done
echo "No Python >= 3.12 found" >&2
exit 1
