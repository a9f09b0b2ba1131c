"""One plain INSERT for a model row that has no save() logic and no signal receivers."""

from __future__ import annotations

from django.db import DatabaseError, connections, models, router, transaction
from django.db.models.signals import post_save, pre_save


def has_save_receivers(model: type[models.Model]) -> bool:
    """Whether ``pre_save``/``post_save`` receivers listen to ``model``: then a plain
    statement would skip them, and the row goes through ``save()``."""
    return bool(pre_save.has_listeners(model) or post_save.has_listeners(model))


def insert_row[M: models.Model](obj: M) -> M:
    """Insert ``obj`` with the statement ``Model.save()`` would send, built once here.

    For hot-path rows (the sign-in's audit row, known device, user session): building the
    query through the model cost more CPU than sending it. Fields' ``pre_save`` still runs
    (``auto_now``/``auto_now_add``); the primary key comes back as with ``save()``. Only for
    models with no ``pre_save``/``post_save`` receivers and no ``save()`` override that
    matters. A model that has save-signal receivers is saved through ``save()`` instead, so a
    receiver added later is never skipped (``core/tests/test_rows.py``).
    """
    model = type(obj)
    if has_save_receivers(model):
        obj.save(force_insert=True)
        return obj
    meta = model._meta
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    fields = [f for f in meta.local_concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    quote = connection.ops.quote_name
    pk_column = quote(str(meta.pk.column)) if meta.pk is not None else ""
    returning = connection.features.can_return_columns_from_insert
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join(['%s'] * len(fields))})" + (f" RETURNING {pk_column}" if returning else "")
    )
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            row = cursor.fetchone()
            pk = row[0] if row else None
        else:
            pk = connection.ops.last_insert_id(cursor, meta.db_table, str(meta.pk.column) if meta.pk else "id")
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
    return obj


def update_fields[M: models.Model](obj: M, names: tuple[str, ...]) -> None:
    """``obj.save(update_fields=names)``: the same UPDATE, built here, between the same
    ``pre_save`` and ``post_save`` signals (sender, ``update_fields``, ``using``), so every
    receiver still runs.

    For a hot-path write of a few columns (the sign-in's ``last_login``): the ORM's save
    machinery cost more CPU than the statement. Not for a model whose ``save()`` override
    matters for these fields (the caller decides) or one with parent models (multi-table
    inheritance goes through ``save()``). Raises ``DatabaseError`` when no row was updated,
    as ``save(update_fields=…)`` does.
    """
    model = type(obj)
    meta = model._meta
    if meta.parents:
        obj.save(update_fields=list(names))
        return
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    fields = [meta.get_field(name) for name in names]
    changed = frozenset(f.name for f in fields)
    if not meta.auto_created:
        pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=changed)
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]  # type: ignore[union-attr]
    quote = connection.ops.quote_name
    assert meta.pk is not None
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(str(f.column))} = %s' for f in fields)} "  # type: ignore[union-attr]  # noqa: S608 - names from the model
        f"WHERE {quote(str(meta.pk.column))} = %s"
    )
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, [*values, meta.pk.get_db_prep_value(obj.pk, connection)])
        updated = cursor.rowcount
    if not updated:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding = False
    obj._state.db = using
    if not meta.auto_created:
        post_save.send(sender=model, instance=obj, created=False, update_fields=changed, raw=False, using=using)
