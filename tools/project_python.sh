#!/usr/bin/env bash
# Print the Python interpreter the launch scripts use: the project's ./.venv when it exists,
# else $PYTHON, else `python` on the PATH.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -x "$ROOT/.venv/bin/python" ]]; then
    echo "$ROOT/.venv/bin/python"
else
    echo "${PYTHON:-python}"
fi
