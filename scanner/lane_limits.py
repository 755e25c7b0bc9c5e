"""The watch's lane defaults, apart from ``scanner.watch`` (whose package imports the HTTP
client and the results database): ``watch``'s options name them, and ``leaktrace --help``
builds every command's options without importing any command's machinery."""

LANE_BYTES = 64 * 1024 * 1024
"""Bytes of files (unpacked) past which a publication is judged in the lane."""
LANE_FILES = 10_000
"""Files (npm's ``dist.fileCount``) past which a publication is judged in the lane."""
LANE_AFTER = 30.0
"""Seconds a publication may be fetched or read before it goes to the lane."""
