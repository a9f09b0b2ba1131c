"""Database helpers for the hottest queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Model
from django.db.models.lookups import IExact, Lookup


class RowLoader[M: Model]:
    """``Model._default_manager.filter(<lookup>=value)`` with the SQL compiled once per connection.

    For the hottest reads of a model with many columns (the customer: twenty), the ORM spends
    more CPU building the same SELECT again on every request than running it (about 0.3 ms
    against 0.1 ms here; docs/performance.md). The loader has the ORM compile the query once
    per database connection for a stand-in value, then only prepares the value as the ORM
    would for that lookup (``prep``), executes the SQL and builds instances with the ORM's own
    field converters: the rows are what the queryset returns. It refuses (at the first use) a
    lookup whose SQL does not carry the value as its one parameter, and a default manager that
    filters rows.
    """

    def __init__(self, model: type[M], lookup: str, *, stand_in: Any, prep: Callable[[Any, Any], Any]) -> None:
        self.model = model
        self.lookup = lookup
        self.stand_in = stand_in
        self.prep = prep  # (connection, value) -> the query parameter; may raise ValueError etc.
        self._attribute = f"_madoguchi_loader_{model._meta.label_lower}_{lookup}"

    def _compiled(self, alias: str) -> tuple[str, list[str], Any, Any]:
        # Stored on the connection wrapper: Django gives each thread its own, and the
        # backend's converters are bound to it.
        connection = connections[alias]
        compiled = getattr(connection, self._attribute, None)
        if compiled is None:
            queryset = self.model._default_manager.using(alias).filter(**{self.lookup: self.stand_in})
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            if list(params) != [self.prep(connection, self.stand_in)]:
                raise ValueError(f"{self.model.__name__}.{self.lookup}: not one parameter; use the ORM")
            expressions = [col for col, _sql, _alias in compiler.select]
            names = [col.target.attname for col in expressions]
            compiled = (sql, names, compiler, compiler.get_converters(expressions))
            setattr(connection, self._attribute, compiled)
        return compiled

    def field_names(self, using: str = "default") -> list[str]:
        """The attribute names of the loaded columns, in the order ``Model.from_db`` takes them."""
        return self._compiled(using)[1]

    def first_rows(self, value: Any, count: int, *, using: str = "default") -> list[M]:
        """Up to ``count`` matching rows, in the database's order (none for a value the
        lookup cannot take)."""
        sql, names, compiler, converters = self._compiled(using)
        try:
            param = self.prep(connections[using], value)
        except (ValidationError, TypeError, ValueError):
            return []
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [param])
            rows = cursor.fetchmany(count)
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        return [self.model.from_db(using, names, row) for row in rows]

    def get(self, value: Any, *, using: str = "default") -> M:
        """As ``QuerySet.get(<lookup>=value)``: the one row, else ``DoesNotExist`` or
        ``MultipleObjectsReturned``."""
        rows = self.first_rows(value, 2, using=using)
        if not rows:
            raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")  # type: ignore[attr-defined]
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(f"get() returned more than one {self.model._meta.object_name}.")  # type: ignore[attr-defined]
        return rows[0]


class PrimaryKeyLoader[M: Model](RowLoader[M]):
    """``Model._default_manager.get(pk=…)`` through a ``RowLoader``; None when there is no such
    row or the value is not a key. Every signed-in request loads its user this way."""

    def __init__(self, model: type[M]) -> None:
        pk_field = model._meta.pk
        assert pk_field is not None

        def prep(connection: Any, value: Any) -> Any:
            if value is None:
                raise ValueError("no key")
            return pk_field.get_db_prep_value(pk_field.to_python(value), connection)

        super().__init__(model, "pk", stand_in=0, prep=prep)

    def get(self, value: Any, *, using: str = "default") -> M | None:  # type: ignore[override]
        rows = self.first_rows(value, 1, using=using)
        return rows[0] if rows else None


def iexact_loader[M: Model](model: type[M], field: str, stand_in: str) -> RowLoader[M]:
    """A ``RowLoader`` for ``<field>__iexact``: the value prepared as Django's ``iexact`` does
    (on SQLite, escaped for its LIKE). ``stand_in`` must be a value that escaping leaves alone."""

    def prep(connection: Any, value: Any) -> Any:
        if not isinstance(value, str):
            raise TypeError("text only")
        return connection.ops.prep_for_iexact_query(value)

    return RowLoader(model, f"{field}__iexact", stand_in=stand_in, prep=prep)


class LowerIExact(IExact):
    """``field__iexact`` as ``LOWER(field) = LOWER(value)`` on PostgreSQL, so that a unique
    index on ``lower(field)`` serves it.

    Django writes ``iexact`` there as ``UPPER(field::text) = UPPER(value)``, which no index on
    ``lower(field)`` can serve: every sign-in by email scanned the whole customer table
    (1.5 ms of PostgreSQL CPU at 5,000 customers, growing with every customer). Registered on
    the fields that have such an index (``accounts.models.User.email``). The two spellings
    differ only for letters whose case mapping is not one to one, and for those ``LOWER`` is
    the comparison the unique constraint itself makes. Other databases keep Django's SQL.
    """

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        # The column as such (Lookup's), not BuiltinLookup's ``UPPER(column::text)``.
        lhs, lhs_params = Lookup.process_lhs(self, compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) = LOWER({rhs})", [*lhs_params, *rhs_params]
