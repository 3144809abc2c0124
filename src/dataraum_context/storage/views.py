"""The spec's three views, with identical results on SQLite and PostgreSQL.

The view bodies are SQLAlchemy Core selects compiled for the connection's dialect,
so quoting and literals are right on both backends. Where the spec uses
PostgreSQL-only or row-multiplying SQL, the views here differ on purpose:

- `v_latest_profiles`: the spec's `DISTINCT ON (column_id) ... ORDER BY profiled_at DESC`
  is PostgreSQL-only; here `ROW_NUMBER() OVER (PARTITION BY column_id ORDER BY
  profiled_at DESC, profile_id DESC)` keeps row 1 (ties on `profiled_at` go to the
  highest `profile_id`, which orders the same on both backends: lowercase hex text
  on SQLite, bytes on PostgreSQL).
- `v_column_metadata`: joining `type_candidates` and `quality_scores` directly, as
  the spec does, gives one row per candidate x score. Here it joins the *best*
  candidate (highest confidence, then newest `detected_at`, then lowest
  `candidate_id`) and the *latest column-level* score (newest `computed_at`, then
  highest `score_id`; table-level scores are not column scores), so the view has
  exactly one row per column.
- `v_relationship_graph`: as in the spec.

Read the views through the `sa.Table` objects below (`v_latest_profiles`,
`v_column_metadata`, `v_relationship_graph`): they carry the column types, so
UUIDs, aware UTC datetimes, JSON and booleans come back as the same Python values
on both backends. They live in their own `MetaData`, never in `Base.metadata`
(`create_all` must not create them as tables).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from dataraum_context.errors import MetadataStoreError
from dataraum_context.storage.base import Base

# Views are not tables: keep them out of Base.metadata.
view_metadata = sa.MetaData()


def _table(name: str) -> sa.Table:
    """A table of the metadata schema by name. Storage does not import the stage packages
    that define the tables (imports point down): the stage registry
    (`pipeline.stages.register_models`) has registered them before any view is built."""
    try:
        return Base.metadata.tables[name]
    except KeyError:
        raise MetadataStoreError(
            f"table {name!r} is not registered: open the store through "
            "dataraum_context.pipeline.stages.init_store (it registers every stage's models)"
        ) from None


def _as_view_table(name: str, select: sa.Select) -> sa.Table:
    """A read-only `Table` describing a view, typed like the select's columns."""
    return sa.Table(name, view_metadata, *(sa.Column(col.name, col.type) for col in select.selected_columns))


def _latest_profiles_select() -> sa.Select:
    cp = _table("column_profiles")
    row_number = (
        sa.func.row_number()
        .over(partition_by=cp.c.column_id, order_by=(cp.c.profiled_at.desc(), cp.c.profile_id.desc()))
        .label("rn")
    )
    ranked = sa.select(*cp.c, row_number).subquery("ranked")
    return sa.select(*(ranked.c[col.name] for col in cp.c)).where(ranked.c.rn == 1)




def _column_metadata_select(latest_profiles: sa.Table) -> sa.Select:
    c = _table("columns").alias("c")
    t = _table("tables").alias("t")
    s = _table("sources").alias("s")
    p = latest_profiles.alias("p")
    sa_ = _table("semantic_annotations").alias("sa")
    tp = _table("temporal_profiles").alias("tp")

    candidates = _table("type_candidates")
    best_candidate = sa.select(
        candidates.c.column_id,
        candidates.c.detected_pattern,
        candidates.c.detected_unit,
        sa.func.row_number()
        .over(
            partition_by=candidates.c.column_id,
            order_by=(
                candidates.c.confidence.desc(),
                candidates.c.detected_at.desc(),
                candidates.c.candidate_id.asc(),
            ),
        )
        .label("rn"),
    ).subquery("tc")

    scores = _table("quality_scores")
    latest_score = (
        sa.select(
            scores.c.column_id,
            scores.c.overall_score,
            sa.func.row_number()
            .over(
                partition_by=scores.c.column_id,
                order_by=(scores.c.computed_at.desc(), scores.c.score_id.desc()),
            )
            .label("rn"),
        )
        .where(scores.c.column_id.is_not(None))
        .subquery("qs")
    )

    joined = (
        c.join(t, c.c.table_id == t.c.table_id)
        .join(s, t.c.source_id == s.c.source_id)
        .outerjoin(p, c.c.column_id == p.c.column_id)
        .outerjoin(
            best_candidate,
            sa.and_(c.c.column_id == best_candidate.c.column_id, best_candidate.c.rn == 1),
        )
        .outerjoin(sa_, c.c.column_id == sa_.c.column_id)
        .outerjoin(tp, c.c.column_id == tp.c.column_id)
        .outerjoin(
            latest_score,
            sa.and_(c.c.column_id == latest_score.c.column_id, latest_score.c.rn == 1),
        )
    )
    return sa.select(
        c.c.column_id,
        c.c.column_name,
        c.c.resolved_type,
        t.c.table_name,
        s.c.name.label("source_name"),
        p.c.total_count,
        p.c.null_ratio,
        p.c.cardinality_ratio,
        best_candidate.c.detected_pattern,
        best_candidate.c.detected_unit,
        sa_.c.semantic_role,
        sa_.c.entity_type,
        sa_.c.business_name,
        tp.c.detected_granularity,
        latest_score.c.overall_score.label("quality_score"),
    ).select_from(joined)




def _relationship_graph_select() -> sa.Select:
    r = _table("relationships").alias("r")
    fc = _table("columns").alias("fc")
    ft = _table("tables").alias("ft")
    tc = _table("columns").alias("tc")
    tt = _table("tables").alias("tt")
    joined = (
        r.join(fc, r.c.from_column_id == fc.c.column_id)
        .join(ft, fc.c.table_id == ft.c.table_id)
        .join(tc, r.c.to_column_id == tc.c.column_id)
        .join(tt, tc.c.table_id == tt.c.table_id)
    )
    return sa.select(
        r.c.relationship_id,
        ft.c.table_name.label("from_table"),
        fc.c.column_name.label("from_column"),
        tt.c.table_name.label("to_table"),
        tc.c.column_name.label("to_column"),
        r.c.relationship_type,
        r.c.cardinality,
        r.c.confidence,
        r.c.is_confirmed,
    ).select_from(joined)


# In dependency order: a view only reads views before it.
VIEW_NAMES: tuple[str, ...] = ("v_latest_profiles", "v_column_metadata", "v_relationship_graph")


@cache
def _views() -> tuple[tuple[sa.Table, sa.Select], ...]:
    """Every view as (typed table, select), in VIEW_NAMES order; built once, on first use."""
    latest_select = _latest_profiles_select()
    latest = _as_view_table("v_latest_profiles", latest_select)
    metadata_select = _column_metadata_select(latest)
    graph_select = _relationship_graph_select()
    return (
        (latest, latest_select),
        (_as_view_table("v_column_metadata", metadata_select), metadata_select),
        (_as_view_table("v_relationship_graph", graph_select), graph_select),
    )


def __getattr__(name: str) -> Any:
    """`views.v_latest_profiles` and the others: the typed table to read a view through."""
    if name in VIEW_NAMES:
        return next(view for view, _ in _views() if view.name == name)
    raise AttributeError(name)


def view_sql(connection: sa.Connection, name: str) -> str:
    """The SELECT body of view `name`, compiled for the connection's dialect."""
    for view, select in _views():
        if view.name == name:
            return str(select.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    raise KeyError(name)


def create_views(connection: sa.Connection) -> None:
    """Create or replace every view (idempotent).

    PostgreSQL: `CREATE OR REPLACE VIEW`. SQLite has no OR REPLACE for views, so
    each view is dropped (dependents first) and created again; SQLite resolves a
    view's references when it is read, so the drop order only matters for clarity.
    Runs inside the caller's transaction (both backends have transactional DDL).
    """
    preparer = connection.dialect.identifier_preparer
    if connection.dialect.name == "postgresql":
        for view, _ in _views():
            body = view_sql(connection, view.name)
            connection.execute(sa.text(f"CREATE OR REPLACE VIEW {preparer.quote(view.name)} AS {body}"))
        return
    for view, _ in reversed(_views()):
        connection.execute(sa.text(f"DROP VIEW IF EXISTS {preparer.quote(view.name)}"))
    for view, _ in _views():
        body = view_sql(connection, view.name)
        connection.execute(sa.text(f"CREATE VIEW {preparer.quote(view.name)} AS {body}"))
