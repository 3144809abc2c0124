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

import sqlalchemy as sa

from dataraum_context.profiling.db_models import ColumnProfile
from dataraum_context.quality.db_models import QualityScore
from dataraum_context.semantic.db_models import SemanticAnnotation
from dataraum_context.storage.core import Column, Source, Table
from dataraum_context.temporal.db_models import TemporalProfile
from dataraum_context.topology.db_models import Relationship
from dataraum_context.type_resolution.db_models import TypeCandidate

# Views are not tables: keep them out of Base.metadata.
view_metadata = sa.MetaData()


def _as_view_table(name: str, select: sa.Select) -> sa.Table:
    """A read-only `Table` describing a view, typed like the select's columns."""
    return sa.Table(name, view_metadata, *(sa.Column(col.name, col.type) for col in select.selected_columns))


def _latest_profiles_select() -> sa.Select:
    cp = ColumnProfile.__table__
    row_number = (
        sa.func.row_number()
        .over(partition_by=cp.c.column_id, order_by=(cp.c.profiled_at.desc(), cp.c.profile_id.desc()))
        .label("rn")
    )
    ranked = sa.select(*cp.c, row_number).subquery("ranked")
    return sa.select(*(ranked.c[col.name] for col in cp.c)).where(ranked.c.rn == 1)


_LATEST_PROFILES_SELECT = _latest_profiles_select()
v_latest_profiles = _as_view_table("v_latest_profiles", _LATEST_PROFILES_SELECT)


def _column_metadata_select() -> sa.Select:
    c = Column.__table__.alias("c")
    t = Table.__table__.alias("t")
    s = Source.__table__.alias("s")
    p = v_latest_profiles.alias("p")
    sa_ = SemanticAnnotation.__table__.alias("sa")
    tp = TemporalProfile.__table__.alias("tp")

    candidates = TypeCandidate.__table__
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

    scores = QualityScore.__table__
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


_COLUMN_METADATA_SELECT = _column_metadata_select()
v_column_metadata = _as_view_table("v_column_metadata", _COLUMN_METADATA_SELECT)


def _relationship_graph_select() -> sa.Select:
    r = Relationship.__table__.alias("r")
    fc = Column.__table__.alias("fc")
    ft = Table.__table__.alias("ft")
    tc = Column.__table__.alias("tc")
    tt = Table.__table__.alias("tt")
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


_RELATIONSHIP_GRAPH_SELECT = _relationship_graph_select()
v_relationship_graph = _as_view_table("v_relationship_graph", _RELATIONSHIP_GRAPH_SELECT)

# In dependency order: a view only reads views before it.
_VIEWS: tuple[tuple[sa.Table, sa.Select], ...] = (
    (v_latest_profiles, _LATEST_PROFILES_SELECT),
    (v_column_metadata, _COLUMN_METADATA_SELECT),
    (v_relationship_graph, _RELATIONSHIP_GRAPH_SELECT),
)

VIEW_NAMES: tuple[str, ...] = tuple(view.name for view, _ in _VIEWS)


def view_sql(connection: sa.Connection, name: str) -> str:
    """The SELECT body of view `name`, compiled for the connection's dialect."""
    for view, select in _VIEWS:
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
        for view, _ in _VIEWS:
            body = view_sql(connection, view.name)
            connection.execute(sa.text(f"CREATE OR REPLACE VIEW {preparer.quote(view.name)} AS {body}"))
        return
    for view, _ in reversed(_VIEWS):
        connection.execute(sa.text(f"DROP VIEW IF EXISTS {preparer.quote(view.name)}"))
    for view, _ in _VIEWS:
        body = view_sql(connection, view.name)
        connection.execute(sa.text(f"CREATE VIEW {preparer.quote(view.name)} AS {body}"))
