"""Zoom's OAuth server and REST API over httpx; knows nothing of bookings.

Modules: ``errors`` (exception types, ``error_from_response``), ``oauth`` (PKCE,
``TokenSet``, ``OAuthClient``), ``loopback`` (the 127.0.0.1 redirect listener),
``tokens`` (token stores, refresh lock), ``session`` (``TokenManager``), ``client``
(``ZoomClient``), ``redact``. Importing this package imports nothing heavy.
"""
