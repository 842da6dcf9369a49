"""Fault injection: crashes, outages, file-system faults, hostile input, security."""
