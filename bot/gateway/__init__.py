"""The aiohttp gateway (see app.py)."""
