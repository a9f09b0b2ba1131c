"""Readable device and browser names: one parser for the product (core.useragent)."""

from core.useragent import Device, describe

__all__ = ["Device", "describe"]
