"""The worker's broker transport (config.celery.RedisTransport): a channel whose connection was
closed raises the connection error the consumer's reconnect loop handles, not AttributeError
(which made a worker exit on a broker restart; docs/operations.md)."""

from __future__ import annotations

from typing import Any

import pytest
import redis.exceptions
from kombu import Connection
from kombu.transport import redis as kombu_redis

from config.celery import RedisTransport


def _channel(transport_cls: type[kombu_redis.Transport]) -> Any:
    """A channel of a transport, without a broker: ``Channel.__init__`` would connect."""
    transport = transport_cls(client=Connection("redis://127.0.0.1:1/0", transport=transport_cls))
    channel = transport_cls.Channel.__new__(transport_cls.Channel)
    channel.connection = transport
    return channel


def test_a_channel_of_a_detached_transport_raises_the_connection_error() -> None:
    channel = _channel(RedisTransport)
    assert channel._connparams()["port"] == 1  # attached: kombu's parameters
    channel.connection.client = None  # what Connection.collect() does to the transport
    with pytest.raises(redis.exceptions.ConnectionError):
        channel._connparams()
    # the consumer's ignore_errors() and reconnect loop treat it as a connection error
    assert issubclass(redis.exceptions.ConnectionError, RedisTransport.connection_errors)


def test_kombu_s_own_channel_raises_attribute_error_there() -> None:
    """The bug the subclass works around; when kombu fixes it, this test says so."""
    channel = _channel(kombu_redis.Transport)
    channel.connection.client = None
    with pytest.raises(AttributeError, match="hostname"):
        channel._connparams()


def test_the_settings_use_it_for_redis_brokers_only() -> None:
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        assert settings.CELERY_BROKER_TRANSPORT == "config.celery:RedisTransport"
    else:
        assert settings.CELERY_BROKER_TRANSPORT is None
    from config.celery import app

    if settings.CELERY_BROKER_TRANSPORT:
        assert app.connection_for_write().transport_cls == "config.celery:RedisTransport"
