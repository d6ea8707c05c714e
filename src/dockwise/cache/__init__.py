"""The caches: each layer's analysis stored by its digest, so it is read only once, and
each image's inventory, so an unchanged image is not read at all.

A base layer shared by a hundred images, or an image scanned again tomorrow, costs a
small file read instead of a download and a decompression. Every key comes from one
function (`keys.cache_key`) that covers the entry's subject and everything that decides
its content (the selector's globs and caps, the analyzers, the code), so a new dockwise
version never reuses stale results. Entries are written to a temporary name and
renamed, so concurrent runs are safe. Stored as JSON plus the kept contents,
zstd-compressed: no pickle, because a cache file is data and must never be able to run
code.

`root` and `store` import nothing of dockwise: the registry blob cache
(`source/blobcache.py`), the database and the catalogue of known bases build on them.
"""
