"""Test helpers for registry sources: real distribution registries, a token server,
a scriptable fake registry and a fake daemon socket. Not tests themselves."""
