"""`field__among=values`: membership in a long list of plain values as one array parameter.

`field__in=ids` sends one parameter per id: for the 18,000 people of a day's uploads that is a
statement of 18,000 placeholders, split and quoted one by one by the driver (about a third of a
second each time at national scale) and planned as a long OR-list. On PostgreSQL `among` sends
`field = ANY(%s)` with the whole list as one array; elsewhere (SQLite) it is `IN`, whose limits
Django already handles. Values are plain ids, codes or UUIDs, never querysets (use `__in` for a
subquery).
"""

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class Among(In):
    lookup_name = "among"

    def process_rhs(self, compiler, connection):
        if connection.vendor != "postgresql":
            return super().process_rhs(compiler, connection)
        values = list(dict.fromkeys(value for value in self.rhs if value is not None))
        prepared = [self.lhs.output_field.get_db_prep_value(value, connection, prepared=True) for value in values]
        return "%s", (prepared,)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def register() -> None:
    Field.register_lookup(Among)
    ForeignObject.register_lookup(Among)  # related fields keep lookups of their own, apart from Field's
