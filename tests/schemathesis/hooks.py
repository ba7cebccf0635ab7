"""Schemathesis hooks for Baoxiu's API document (loaded through SCHEMATHESIS_HOOKS).

The tus PATCH body is `application/offset+octet-stream`: bytes, sent like any octet stream.
"""
import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
