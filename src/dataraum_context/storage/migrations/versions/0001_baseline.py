"""Baseline: the metadata schema as it landed with SCHEMA_VERSION 1 (frozen; never edit).

Generated with Alembic's autogenerate from the models of that schema, then made
dialect-neutral by hand (boolean defaults and partial-index conditions). A store
created before migrations existed is stamped with this revision.

Revision ID: 0001_baseline
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dataraum_context.storage.base
from sqlalchemy.dialects import postgresql

revision = '0001_baseline'
down_revision = None
branch_labels = None
depends_on = None

# Dialect-neutral: `is_valid = true` on PostgreSQL, `is_valid = 1` on SQLite.
_VALID = sa.column("is_valid", sa.Boolean()) == sa.true()


def upgrade() -> None:
    op.create_table('ontologies',
    sa.Column('ontology_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('version', sa.String(), nullable=True),
    sa.Column('concepts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('metrics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('quality_rules', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('semantic_hints', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('is_builtin', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('ontology_id', name=op.f('pk_ontologies')),
    sa.UniqueConstraint('name', name=op.f('uq_ontologies_name'))
    )
    op.create_table('runs',
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('review_policy', sa.String(), nullable=False),
    sa.Column('paths', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('current_stage', sa.String(), nullable=True),
    sa.Column('completed_stages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('graph_fingerprint', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('dataraum_version', sa.String(), nullable=True),
    sa.Column('lease_host', sa.String(), nullable=True),
    sa.Column('lease_pid', sa.Integer(), nullable=True),
    sa.Column('lease_expires_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_runs'))
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('idx_runs_status', ['status'], unique=False)

    op.create_table('schema_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dataraum_version', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schema_version'))
    )
    op.create_table('sources',
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('source_type', sa.String(), nullable=False),
    sa.Column('connection_config', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('content_hash', sa.String(), nullable=True),
    sa.Column('created_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source_id', name=op.f('pk_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_sources_name'))
    )
    op.create_table('checkpoints',
    sa.Column('checkpoint_id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('dataflow_name', sa.String(), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('checkpoint_type', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resumed_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checkpoint_state', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('result_summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_checkpoints_run_id_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.source_id'], name=op.f('fk_checkpoints_source_id_sources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('checkpoint_id', name=op.f('pk_checkpoints'))
    )
    with op.batch_alter_table('checkpoints', schema=None) as batch_op:
        batch_op.create_index('idx_checkpoints_status', ['status'], unique=False)

    op.create_table('llm_cache',
    sa.Column('cache_id', sa.Uuid(), nullable=False),
    sa.Column('cache_key', sa.String(), nullable=False),
    sa.Column('feature', sa.String(), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=True),
    sa.Column('table_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('ontology', sa.String(), nullable=True),
    sa.Column('provider', sa.String(), nullable=False),
    sa.Column('model', sa.String(), nullable=False),
    sa.Column('prompt_hash', sa.String(), nullable=True),
    sa.Column('response_json', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('input_tokens', sa.Integer(), nullable=True),
    sa.Column('output_tokens', sa.Integer(), nullable=True),
    sa.Column('created_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_valid', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.source_id'], name=op.f('fk_llm_cache_source_id_sources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('cache_id', name=op.f('pk_llm_cache'))
    )
    with op.batch_alter_table('llm_cache', schema=None) as batch_op:
        batch_op.create_index('idx_llm_cache_feature', ['feature', 'source_id'], unique=False, postgresql_where=_VALID, sqlite_where=_VALID)
        batch_op.create_index('idx_llm_cache_key', ['cache_key'], unique=True)

    op.create_table('node_executions',
    sa.Column('execution_id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sa.String(), nullable=False),
    sa.Column('node_name', sa.String(), nullable=False),
    sa.Column('code_version', sa.String(), nullable=True),
    sa.Column('inputs_hash', sa.String(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('started_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Float(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_node_executions_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('execution_id', name=op.f('pk_node_executions'))
    )
    with op.batch_alter_table('node_executions', schema=None) as batch_op:
        batch_op.create_index('idx_node_executions_run', ['run_id'], unique=False)

    op.create_table('tables',
    sa.Column('table_id', sa.Uuid(), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=True),
    sa.Column('table_name', sa.String(), nullable=False),
    sa.Column('layer', sa.String(), nullable=False),
    sa.Column('duckdb_path', sa.String(), nullable=True),
    sa.Column('row_count', sa.BigInteger(), nullable=True),
    sa.Column('rejected_rows', sa.BigInteger(), nullable=True),
    sa.Column('content_hash', sa.String(), nullable=True),
    sa.Column('read_options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_profiled_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('candidate_keys', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.source_id'], name=op.f('fk_tables_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('table_id', name=op.f('pk_tables')),
    sa.UniqueConstraint('source_id', 'table_name', 'layer', name=op.f('uq_tables_source_id_table_name_layer'))
    )
    op.create_table('columns',
    sa.Column('column_id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.Uuid(), nullable=False),
    sa.Column('column_name', sa.String(), nullable=False),
    sa.Column('column_position', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(), nullable=True),
    sa.Column('raw_type', sa.String(), nullable=True),
    sa.Column('resolved_type', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['table_id'], ['tables.table_id'], name=op.f('fk_columns_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('column_id', name=op.f('pk_columns')),
    sa.UniqueConstraint('table_id', 'column_name', name=op.f('uq_columns_table_id_column_name'))
    )
    with op.batch_alter_table('columns', schema=None) as batch_op:
        batch_op.create_index('idx_columns_table', ['table_id'], unique=False)

    op.create_table('join_paths',
    sa.Column('path_id', sa.Uuid(), nullable=False),
    sa.Column('from_table_id', sa.Uuid(), nullable=False),
    sa.Column('to_table_id', sa.Uuid(), nullable=False),
    sa.Column('path_steps', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('path_key', sa.String(length=64), nullable=False),
    sa.Column('path_length', sa.Integer(), nullable=False),
    sa.Column('total_confidence', sa.Double(), nullable=True),
    sa.Column('computed_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['from_table_id'], ['tables.table_id'], name=op.f('fk_join_paths_from_table_id_tables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_table_id'], ['tables.table_id'], name=op.f('fk_join_paths_to_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('path_id', name=op.f('pk_join_paths')),
    sa.UniqueConstraint('from_table_id', 'to_table_id', 'path_key', name=op.f('uq_join_paths_from_table_id_to_table_id_path_key'))
    )
    with op.batch_alter_table('join_paths', schema=None) as batch_op:
        batch_op.create_index('idx_join_paths_to', ['to_table_id'], unique=False)

    op.create_table('ontology_applications',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.Uuid(), nullable=False),
    sa.Column('ontology_id', sa.Uuid(), nullable=False),
    sa.Column('matched_concepts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('applicable_metrics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('applied_rules', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('selection', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('applied_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ontology_id'], ['ontologies.ontology_id'], name=op.f('fk_ontology_applications_ontology_id_ontologies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_ontology_applications_run_id_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['table_id'], ['tables.table_id'], name=op.f('fk_ontology_applications_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_ontology_applications'))
    )
    with op.batch_alter_table('ontology_applications', schema=None) as batch_op:
        batch_op.create_index('idx_ontology_applications_ontology', ['ontology_id'], unique=False)
        batch_op.create_index('idx_ontology_applications_table', ['table_id'], unique=False)

    op.create_table('review_queue',
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('checkpoint_id', sa.Uuid(), nullable=True),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('review_type', sa.String(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('target', sa.String(), nullable=True),
    sa.Column('context_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('suggested_action', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(), nullable=True),
    sa.Column('review_notes', sa.Text(), nullable=True),
    sa.Column('stage', sa.String(), nullable=True),
    sa.Column('decision_values', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('evidence_key', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoints.checkpoint_id'], name=op.f('fk_review_queue_checkpoint_id_checkpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_review_queue_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('review_id', name=op.f('pk_review_queue'))
    )
    with op.batch_alter_table('review_queue', schema=None) as batch_op:
        batch_op.create_index('idx_review_queue_status', ['status'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    op.create_table('table_entities',
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.Uuid(), nullable=False),
    sa.Column('detected_entity_type', sa.String(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Double(), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('grain_columns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('is_fact_table', sa.Boolean(), nullable=True),
    sa.Column('is_dimension_table', sa.Boolean(), nullable=True),
    sa.Column('detection_source', sa.String(), nullable=True),
    sa.Column('detected_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['table_id'], ['tables.table_id'], name=op.f('fk_table_entities_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entity_id', name=op.f('pk_table_entities'))
    )
    with op.batch_alter_table('table_entities', schema=None) as batch_op:
        batch_op.create_index('idx_table_entities_table', ['table_id'], unique=False)

    op.create_table('column_correlations',
    sa.Column('correlation_id', sa.Uuid(), nullable=False),
    sa.Column('column_a_id', sa.Uuid(), nullable=False),
    sa.Column('column_b_id', sa.Uuid(), nullable=False),
    sa.Column('method', sa.String(), nullable=False),
    sa.Column('coefficient', sa.Double(), nullable=False),
    sa.Column('computed_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('column_a_id <> column_b_id', name=op.f('ck_column_correlations_distinct_columns')),
    sa.ForeignKeyConstraint(['column_a_id'], ['columns.column_id'], name=op.f('fk_column_correlations_column_a_id_columns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['column_b_id'], ['columns.column_id'], name=op.f('fk_column_correlations_column_b_id_columns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('correlation_id', name=op.f('pk_column_correlations'))
    )
    with op.batch_alter_table('column_correlations', schema=None) as batch_op:
        batch_op.create_index('idx_column_correlations_b', ['column_b_id'], unique=False)
        batch_op.create_index('idx_column_correlations_pair', ['column_a_id', 'column_b_id'], unique=False)

    op.create_table('column_profiles',
    sa.Column('profile_id', sa.Uuid(), nullable=False),
    sa.Column('column_id', sa.Uuid(), nullable=False),
    sa.Column('profiled_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('total_count', sa.BigInteger(), nullable=False),
    sa.Column('null_count', sa.BigInteger(), nullable=False),
    sa.Column('distinct_count', sa.BigInteger(), nullable=True),
    sa.Column('min_value', sa.Double(), nullable=True),
    sa.Column('max_value', sa.Double(), nullable=True),
    sa.Column('mean_value', sa.Double(), nullable=True),
    sa.Column('stddev_value', sa.Double(), nullable=True),
    sa.Column('percentiles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('min_length', sa.Integer(), nullable=True),
    sa.Column('max_length', sa.Integer(), nullable=True),
    sa.Column('avg_length', sa.Double(), nullable=True),
    sa.Column('histogram', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('top_values', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('cardinality_ratio', sa.Double(), nullable=True),
    sa.Column('null_ratio', sa.Double(), nullable=True),
    sa.Column('numeric_count', sa.BigInteger(), nullable=True),
    sa.Column('null_token_counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['column_id'], ['columns.column_id'], name=op.f('fk_column_profiles_column_id_columns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', name=op.f('pk_column_profiles'))
    )
    with op.batch_alter_table('column_profiles', schema=None) as batch_op:
        batch_op.create_index('idx_column_profiles_latest', ['column_id', sa.literal_column('profiled_at DESC')], unique=False)

    op.create_table('quality_rules',
    sa.Column('rule_id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.Uuid(), nullable=False),
    sa.Column('column_id', sa.Uuid(), nullable=True),
    sa.Column('rule_name', sa.String(), nullable=False),
    sa.Column('rule_type', sa.String(), nullable=False),
    sa.Column('rule_expression', sa.Text(), nullable=True),
    sa.Column('rule_parameters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('severity', sa.String(), server_default='warning', nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('dimension', sa.String(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['column_id'], ['columns.column_id'], name=op.f('fk_quality_rules_column_id_columns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['table_id'], ['tables.table_id'], name=op.f('fk_quality_rules_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rule_id', name=op.f('pk_quality_rules'))
    )
    with op.batch_alter_table('quality_rules', schema=None) as batch_op:
        batch_op.create_index('idx_quality_rules_column', ['column_id'], unique=False)
        batch_op.create_index('idx_quality_rules_table', ['table_id'], unique=False)

    op.create_table('quality_scores',
    sa.Column('score_id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.Uuid(), nullable=True),
    sa.Column('column_id', sa.Uuid(), nullable=True),
    sa.Column('completeness_score', sa.Double(), nullable=True),
    sa.Column('validity_score', sa.Double(), nullable=True),
    sa.Column('consistency_score', sa.Double(), nullable=True),
    sa.Column('uniqueness_score', sa.Double(), nullable=True),
    sa.Column('timeliness_score', sa.Double(), nullable=True),
    sa.Column('overall_score', sa.Double(), nullable=True),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('computed_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('table_id IS NOT NULL OR column_id IS NOT NULL', name=op.f('ck_quality_scores_scope')),
    sa.ForeignKeyConstraint(['column_id'], ['columns.column_id'], name=op.f('fk_quality_scores_column_id_columns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['table_id'], ['tables.table_id'], name=op.f('fk_quality_scores_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('score_id', name=op.f('pk_quality_scores'))
    )
    with op.batch_alter_table('quality_scores', schema=None) as batch_op:
        batch_op.create_index('idx_quality_scores_column', ['column_id', 'computed_at'], unique=False)
        batch_op.create_index('idx_quality_scores_table', ['table_id'], unique=False)

    op.create_table('relationships',
    sa.Column('relationship_id', sa.Uuid(), nullable=False),
    sa.Column('from_table_id', sa.Uuid(), nullable=False),
    sa.Column('from_column_id', sa.Uuid(), nullable=False),
    sa.Column('to_table_id', sa.Uuid(), nullable=False),
    sa.Column('to_column_id', sa.Uuid(), nullable=False),
    sa.Column('relationship_type', sa.String(), nullable=False),
    sa.Column('cardinality', sa.String(), nullable=True),
    sa.Column('confidence', sa.Double(), nullable=False),
    sa.Column('detection_method', sa.String(), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('is_confirmed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('confirmed_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(), nullable=True),
    sa.Column('detected_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(), server_default='candidate', nullable=False),
    sa.Column('from_columns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('to_columns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('coverage', sa.Double(), nullable=True),
    sa.Column('orphan_count', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['from_column_id'], ['columns.column_id'], name=op.f('fk_relationships_from_column_id_columns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_table_id'], ['tables.table_id'], name=op.f('fk_relationships_from_table_id_tables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_column_id'], ['columns.column_id'], name=op.f('fk_relationships_to_column_id_columns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_table_id'], ['tables.table_id'], name=op.f('fk_relationships_to_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('relationship_id', name=op.f('pk_relationships')),
    sa.UniqueConstraint('from_column_id', 'to_column_id', name=op.f('uq_relationships_from_column_id_to_column_id'))
    )
    with op.batch_alter_table('relationships', schema=None) as batch_op:
        batch_op.create_index('idx_relationships_from', ['from_table_id'], unique=False)
        batch_op.create_index('idx_relationships_to', ['to_table_id'], unique=False)
        batch_op.create_index('idx_relationships_to_column', ['to_column_id'], unique=False)

    op.create_table('semantic_annotations',
    sa.Column('annotation_id', sa.Uuid(), nullable=False),
    sa.Column('column_id', sa.Uuid(), nullable=False),
    sa.Column('semantic_role', sa.String(), nullable=True),
    sa.Column('entity_type', sa.String(), nullable=True),
    sa.Column('business_name', sa.String(), nullable=True),
    sa.Column('business_description', sa.Text(), nullable=True),
    sa.Column('business_domain', sa.String(), nullable=True),
    sa.Column('ontology_term', sa.String(), nullable=True),
    sa.Column('ontology_uri', sa.String(), nullable=True),
    sa.Column('annotation_source', sa.String(), nullable=True),
    sa.Column('annotated_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('annotated_by', sa.String(), nullable=True),
    sa.Column('confidence', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['column_id'], ['columns.column_id'], name=op.f('fk_semantic_annotations_column_id_columns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('annotation_id', name=op.f('pk_semantic_annotations')),
    sa.UniqueConstraint('column_id', name=op.f('uq_semantic_annotations_column_id'))
    )
    op.create_table('temporal_profiles',
    sa.Column('temporal_id', sa.Uuid(), nullable=False),
    sa.Column('column_id', sa.Uuid(), nullable=False),
    sa.Column('min_timestamp', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('max_timestamp', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('detected_granularity', sa.String(), nullable=True),
    sa.Column('granularity_confidence', sa.Double(), nullable=True),
    sa.Column('dominant_gap_seconds', sa.Double(), nullable=True),
    sa.Column('expected_periods', sa.Integer(), nullable=True),
    sa.Column('actual_periods', sa.Integer(), nullable=True),
    sa.Column('completeness_ratio', sa.Double(), nullable=True),
    sa.Column('gap_count', sa.Integer(), nullable=True),
    sa.Column('largest_gap_seconds', sa.Double(), nullable=True),
    sa.Column('gap_details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('has_seasonality', sa.Boolean(), nullable=True),
    sa.Column('seasonality_period', sa.String(), nullable=True),
    sa.Column('trend_direction', sa.String(), nullable=True),
    sa.Column('granularity_step', sa.Integer(), nullable=True),
    sa.Column('missing_periods', sa.Integer(), nullable=True),
    sa.Column('seasonality_strength', sa.Double(), nullable=True),
    sa.Column('trend_p_value', sa.Double(), nullable=True),
    sa.Column('trend_slope', sa.Double(), nullable=True),
    sa.Column('signal', sa.String(), nullable=True),
    sa.Column('series_column', sa.String(), nullable=True),
    sa.Column('series_profiles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('profiled_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['column_id'], ['columns.column_id'], name=op.f('fk_temporal_profiles_column_id_columns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('temporal_id', name=op.f('pk_temporal_profiles')),
    sa.UniqueConstraint('column_id', name=op.f('uq_temporal_profiles_column_id'))
    )
    op.create_table('type_candidates',
    sa.Column('candidate_id', sa.Uuid(), nullable=False),
    sa.Column('column_id', sa.Uuid(), nullable=False),
    sa.Column('detected_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data_type', sa.String(), nullable=False),
    sa.Column('confidence', sa.Double(), nullable=False),
    sa.Column('parse_success_rate', sa.Double(), nullable=True),
    sa.Column('failed_examples', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('detected_pattern', sa.String(), nullable=True),
    sa.Column('pattern_match_rate', sa.Double(), nullable=True),
    sa.Column('detected_unit', sa.String(), nullable=True),
    sa.Column('unit_confidence', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['column_id'], ['columns.column_id'], name=op.f('fk_type_candidates_column_id_columns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('candidate_id', name=op.f('pk_type_candidates'))
    )
    with op.batch_alter_table('type_candidates', schema=None) as batch_op:
        batch_op.create_index('idx_type_candidates_column', ['column_id'], unique=False)

    op.create_table('type_decisions',
    sa.Column('decision_id', sa.Uuid(), nullable=False),
    sa.Column('column_id', sa.Uuid(), nullable=False),
    sa.Column('decided_type', sa.String(), nullable=False),
    sa.Column('decision_source', sa.String(), nullable=False),
    sa.Column('decided_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(), nullable=True),
    sa.Column('previous_type', sa.String(), nullable=True),
    sa.Column('decision_reason', sa.String(), nullable=True),
    sa.Column('confidence', sa.Double(), nullable=True),
    sa.Column('detected_pattern', sa.String(), nullable=True),
    sa.Column('detected_unit', sa.String(), nullable=True),
    sa.Column('quarantined_count', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['column_id'], ['columns.column_id'], name=op.f('fk_type_decisions_column_id_columns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('decision_id', name=op.f('pk_type_decisions')),
    sa.UniqueConstraint('column_id', name=op.f('uq_type_decisions_column_id'))
    )
    op.create_table('quality_results',
    sa.Column('result_id', sa.Uuid(), nullable=False),
    sa.Column('rule_id', sa.Uuid(), nullable=False),
    sa.Column('executed_at', dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('total_records', sa.BigInteger(), nullable=True),
    sa.Column('passed_records', sa.BigInteger(), nullable=True),
    sa.Column('failed_records', sa.BigInteger(), nullable=True),
    sa.Column('pass_rate', sa.Double(), nullable=True),
    sa.Column('failure_samples', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('previous_pass_rate', sa.Double(), nullable=True),
    sa.Column('trend_direction', sa.String(), nullable=True),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['rule_id'], ['quality_rules.rule_id'], name=op.f('fk_quality_results_rule_id_quality_rules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('result_id', name=op.f('pk_quality_results'))
    )
    with op.batch_alter_table('quality_results', schema=None) as batch_op:
        batch_op.create_index('idx_quality_results_rule', ['rule_id', 'executed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quality_results', schema=None) as batch_op:
        batch_op.drop_index('idx_quality_results_rule')

    op.drop_table('quality_results')
    op.drop_table('type_decisions')
    with op.batch_alter_table('type_candidates', schema=None) as batch_op:
        batch_op.drop_index('idx_type_candidates_column')

    op.drop_table('type_candidates')
    op.drop_table('temporal_profiles')
    op.drop_table('semantic_annotations')
    with op.batch_alter_table('relationships', schema=None) as batch_op:
        batch_op.drop_index('idx_relationships_to_column')
        batch_op.drop_index('idx_relationships_to')
        batch_op.drop_index('idx_relationships_from')

    op.drop_table('relationships')
    with op.batch_alter_table('quality_scores', schema=None) as batch_op:
        batch_op.drop_index('idx_quality_scores_table')
        batch_op.drop_index('idx_quality_scores_column')

    op.drop_table('quality_scores')
    with op.batch_alter_table('quality_rules', schema=None) as batch_op:
        batch_op.drop_index('idx_quality_rules_table')
        batch_op.drop_index('idx_quality_rules_column')

    op.drop_table('quality_rules')
    with op.batch_alter_table('column_profiles', schema=None) as batch_op:
        batch_op.drop_index('idx_column_profiles_latest')

    op.drop_table('column_profiles')
    with op.batch_alter_table('column_correlations', schema=None) as batch_op:
        batch_op.drop_index('idx_column_correlations_pair')
        batch_op.drop_index('idx_column_correlations_b')

    op.drop_table('column_correlations')
    with op.batch_alter_table('table_entities', schema=None) as batch_op:
        batch_op.drop_index('idx_table_entities_table')

    op.drop_table('table_entities')
    with op.batch_alter_table('review_queue', schema=None) as batch_op:
        batch_op.drop_index('idx_review_queue_status', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    op.drop_table('review_queue')
    with op.batch_alter_table('ontology_applications', schema=None) as batch_op:
        batch_op.drop_index('idx_ontology_applications_table')
        batch_op.drop_index('idx_ontology_applications_ontology')

    op.drop_table('ontology_applications')
    with op.batch_alter_table('join_paths', schema=None) as batch_op:
        batch_op.drop_index('idx_join_paths_to')

    op.drop_table('join_paths')
    with op.batch_alter_table('columns', schema=None) as batch_op:
        batch_op.drop_index('idx_columns_table')

    op.drop_table('columns')
    op.drop_table('tables')
    with op.batch_alter_table('node_executions', schema=None) as batch_op:
        batch_op.drop_index('idx_node_executions_run')

    op.drop_table('node_executions')
    with op.batch_alter_table('llm_cache', schema=None) as batch_op:
        batch_op.drop_index('idx_llm_cache_key')
        batch_op.drop_index('idx_llm_cache_feature', postgresql_where=_VALID, sqlite_where=_VALID)

    op.drop_table('llm_cache')
    with op.batch_alter_table('checkpoints', schema=None) as batch_op:
        batch_op.drop_index('idx_checkpoints_status')

    op.drop_table('checkpoints')
    op.drop_table('sources')
    op.drop_table('schema_version')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('idx_runs_status')

    op.drop_table('runs')
    op.drop_table('ontologies')
