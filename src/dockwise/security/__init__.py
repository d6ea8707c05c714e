"""Security checks beyond known vulnerabilities: secrets, image configuration, and
binaries that might "call home".

The content analyzers (`analyze/secrets.py`, `analyze/indicators.py`) keep small facts
while layers stream past; the checkers here turn those facts, the image config and
the inventory into Findings. Rules are data under `security/rules/`.
"""
