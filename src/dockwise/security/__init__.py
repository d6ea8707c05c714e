"""The rules and engines of the security checks beyond known vulnerabilities: secret
patterns and scanning, masking, and the indicators of binaries that might "call home".

The content analyzers (`analyze/secrets.py`, `analyze/indicators.py`) keep small facts
while layers stream past; the checkers (`checks/secrets.py`, `checks/imageconfig.py`,
`checks/binaries.py`) turn those facts, the image config and the inventory into
Findings. Rules are data under `security/rules/`.
"""
