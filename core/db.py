"""Database helpers for the hottest queries."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Model
from django.db.models.lookups import IExact, Lookup


class PrimaryKeyLoader[M: Model]:
    """``Model._default_manager.get(pk=…)`` with the SQL compiled once per connection.

    Every signed-in request loads its user by primary key. For a model with twenty columns
    the ORM spends about 0.8 ms of CPU building the same SELECT again on each request, five
    times the cost of running it (docs/performance.md). This loader compiles the query the
    ORM would run once per database connection, then only executes it and builds the
    instance with the ORM's own field converters: the result is what ``get()`` returns.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._attribute = f"_madoguchi_pk_loader_{model._meta.label_lower}"

    def _compiled(self, alias: str) -> tuple[str, list[str], Any, Any]:
        # Stored on the connection wrapper: Django gives each thread its own, and the
        # backend's converters are bound to it.
        connection = connections[alias]
        compiled = getattr(connection, self._attribute, None)
        if compiled is None:
            queryset = self.model._default_manager.using(alias).filter(pk=0)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            if list(params) != [0]:
                raise ValueError(f"{self.model.__name__}: the default manager filters rows; use the ORM")
            expressions = [col for col, _sql, _alias in compiler.select]
            names = [col.target.attname for col in expressions]
            compiled = (sql, names, compiler, compiler.get_converters(expressions))
            setattr(connection, self._attribute, compiled)
        return compiled

    def field_names(self, using: str = "default") -> list[str]:
        """The attribute names of the loaded columns, in the order ``Model.from_db`` takes them."""
        return self._compiled(using)[1]

    def get(self, pk: Any, *, using: str = "default") -> M | None:
        """The row with this primary key, or None (also for a value that is not a key)."""
        sql, names, compiler, converters = self._compiled(using)
        pk_field = self.model._meta.pk
        assert pk_field is not None
        try:
            value = pk_field.get_db_prep_value(pk_field.to_python(pk), connections[using])
        except (ValidationError, TypeError, ValueError):
            return None
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [value])
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(compiler.apply_converters([row], converters))
        return self.model.from_db(using, names, row)


class LowerIExact(IExact):
    """``field__iexact`` as ``LOWER(field) = LOWER(value)`` on PostgreSQL, so that a unique
    index on ``lower(field)`` serves it.

    Django writes ``iexact`` there as ``UPPER(field::text) = UPPER(value)``, which no index on
    ``lower(field)`` can serve: every sign-in by email scanned the whole customer table
    (2.3 ms of PostgreSQL CPU at 5,000 customers, growing with every customer). Registered on
    the fields that have such an index (``accounts.models.User.email``). The two spellings
    differ only for letters whose case mapping is not one to one, and for those ``LOWER`` is
    the comparison the unique constraint itself makes. Other databases keep Django's SQL.
    """

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        # The column as such (Lookup's), not BuiltinLookup's ``UPPER(column::text)``.
        lhs, lhs_params = Lookup.process_lhs(self, compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) = LOWER({rhs})", [*lhs_params, *rhs_params]
