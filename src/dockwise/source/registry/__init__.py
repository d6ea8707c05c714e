"""Images straight from an OCI registry: references, the HTTP client and its
authentication, the image opener, layers fetched ahead into the blob cache, and the
cosign signatures stored beside an image.

`reference` parses what the user typed; `auth` and `client` speak the distribution API;
`image` presents the registry to the OCI layout reader; `fetch` downloads the layers no
cache holds; `signatures` finds and reads an image's signatures.
"""
