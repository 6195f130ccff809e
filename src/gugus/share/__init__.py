"""Sharing: hit notices, releases, requests for information, federation."""
