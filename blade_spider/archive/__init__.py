"""The archive on disk: partitions, history, manifest, state index, WARC, checks, exports."""
