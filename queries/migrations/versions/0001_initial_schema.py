"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 06:10:36.121499
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('grid_code', sa.String(length=20), nullable=False),
    sa.Column('village_code', sa.String(length=15), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('claimed', sa.Integer(), nullable=False),
    sa.Column('response_s', sa.Float(), nullable=False),
    sa.Column('escalated', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basically_satisfied', sa.Integer(), nullable=False),
    sa.Column('dissatisfied', sa.Integer(), nullable=False),
    sa.Column('at_received', sa.Integer(), nullable=False),
    sa.Column('at_claimed', sa.Integer(), nullable=False),
    sa.Column('at_dispatched', sa.Integer(), nullable=False),
    sa.Column('at_handled', sa.Integer(), nullable=False),
    sa.Column('at_closed', sa.Integer(), nullable=False),
    sa.Column('escalated_cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'grid_code', name=op.f('pk_case_day'))
    )
    with op.batch_alter_table('case_day', schema=None) as batch_op:
        batch_op.create_index('ix_case_day_township_day', ['township_code', 'day'], unique=False)
        batch_op.create_index('ix_case_day_village_day', ['village_code', 'day'], unique=False)

    op.create_table('case_day_category',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('village_code', sa.String(length=15), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'village_code', 'category', name=op.f('pk_case_day_category'))
    )
    with op.batch_alter_table('case_day_category', schema=None) as batch_op:
        batch_op.create_index('ix_case_day_category_township_day', ['township_code', 'day'], unique=False)

    op.create_table('case_day_response',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('village_code', sa.String(length=15), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'village_code', 'bucket', name=op.f('pk_case_day_response'))
    )
    with op.batch_alter_table('case_day_response', schema=None) as batch_op:
        batch_op.create_index('ix_case_day_response_township_day', ['township_code', 'day'], unique=False)

    op.create_table('city',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_city'))
    )
    op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.create_table('map_layer',
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('scope_code', sa.String(length=20), nullable=False),
    sa.Column('geojson', sa.Text(), nullable=False),
    sa.Column('etag', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('level', 'scope_code', name=op.f('pk_map_layer'))
    )
    op.create_table('party_org',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=96), nullable=False),
    sa.Column('parent_code', sa.String(length=24), nullable=True),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('village_code', sa.String(length=15), nullable=True),
    sa.Column('grid_code', sa.String(length=20), nullable=True),
    sa.CheckConstraint("kind IN ('committee', 'general_branch', 'branch', 'group')", name=op.f('ck_party_org_kind')),
    sa.ForeignKeyConstraint(['parent_code'], ['party_org.code'], name=op.f('fk_party_org_parent_code_party_org')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_party_org'))
    )
    with op.batch_alter_table('party_org', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_org_township_code'), ['township_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_org_village_code'), ['village_code'], unique=False)

    op.create_table('party_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_code', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('born', sa.Integer(), nullable=True),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('village_code', sa.String(length=15), nullable=True),
    sa.ForeignKeyConstraint(['org_code'], ['party_org.code'], name=op.f('fk_party_member_org_code_party_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_member'))
    )
    with op.batch_alter_table('party_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_member_org_code'), ['org_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_member_township_code'), ['township_code'], unique=False)

    op.create_table('study_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('org_code', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('village_code', sa.String(length=15), nullable=True),
    sa.CheckConstraint("kind IN ('branch_meeting', 'committee_meeting', 'group_meeting', 'party_lesson', 'theme_day', 'online_study')", name=op.f('ck_study_session_kind')),
    sa.CheckConstraint('ends_at >= starts_at', name=op.f('ck_study_session_ends_after_start')),
    sa.ForeignKeyConstraint(['org_code'], ['party_org.code'], name=op.f('fk_study_session_org_code_party_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_session'))
    )
    with op.batch_alter_table('study_session', schema=None) as batch_op:
        batch_op.create_index('ix_study_session_starts', ['starts_at'], unique=False)
        batch_op.create_index('ix_study_session_township_starts', ['township_code', 'starts_at'], unique=False)

    op.create_table('township',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=96), nullable=True),
    sa.Column('city_code', sa.String(length=12), nullable=False),
    sa.Column('geom', sa.LargeBinary(), nullable=False),
    sa.Column('centroid_lon', sa.Float(), nullable=False),
    sa.Column('centroid_lat', sa.Float(), nullable=False),
    sa.Column('area_km2', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['city_code'], ['city.code'], name=op.f('fk_township_city_code_city')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_township'))
    )
    op.create_table('attendance',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['party_member.id'], name=op.f('fk_attendance_member_id_party_member')),
    sa.ForeignKeyConstraint(['session_id'], ['study_session.id'], name=op.f('fk_attendance_session_id_study_session')),
    sa.PrimaryKeyConstraint('session_id', 'member_id', name=op.f('pk_attendance'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_member_id'), ['member_id'], unique=False)

    op.create_table('village',
    sa.Column('code', sa.String(length=15), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=96), nullable=True),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('geom', sa.LargeBinary(), nullable=False),
    sa.Column('centroid_lon', sa.Float(), nullable=False),
    sa.Column('centroid_lat', sa.Float(), nullable=False),
    sa.Column('area_km2', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['township_code'], ['township.code'], name=op.f('fk_village_township_code_township')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_village'))
    )
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_village_township_code'), ['township_code'], unique=False)

    op.create_table('grid',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=96), nullable=True),
    sa.Column('village_code', sa.String(length=15), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('grid_type', sa.String(length=16), nullable=False),
    sa.Column('geom', sa.LargeBinary(), nullable=False),
    sa.Column('centroid_lon', sa.Float(), nullable=False),
    sa.Column('centroid_lat', sa.Float(), nullable=False),
    sa.Column('area_km2', sa.Float(), nullable=False),
    sa.CheckConstraint("grid_type IN ('urban_rural', 'school', 'enterprise')", name=op.f('ck_grid_grid_type')),
    sa.ForeignKeyConstraint(['township_code'], ['township.code'], name=op.f('fk_grid_township_code_township')),
    sa.ForeignKeyConstraint(['village_code'], ['village.code'], name=op.f('fk_grid_village_code_village')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_grid'))
    )
    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_township_code'), ['township_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_village_code'), ['village_code'], unique=False)

    op.create_table('case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('item', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('grid_code', sa.String(length=20), nullable=False),
    sa.Column('village_code', sa.String(length=15), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('node', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('response_due', sa.DateTime(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.Column('urges', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=24), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("level IN ('village', 'township', 'city', 'department')", name=op.f('ck_case_level')),
    sa.CheckConstraint("node IN ('received', 'claimed', 'dispatched', 'handled', 'closed')", name=op.f('ck_case_node')),
    sa.CheckConstraint("rating IS NULL OR rating IN ('satisfied', 'basically_satisfied', 'dissatisfied')", name=op.f('ck_case_rating')),
    sa.CheckConstraint("source IN ('hotline', 'patrol', 'chat_group', 'service_hall', 'photo')", name=op.f('ck_case_source')),
    sa.ForeignKeyConstraint(['grid_code'], ['grid.code'], name=op.f('fk_case_grid_code_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case')),
    sa.UniqueConstraint('source', 'source_ref', name=op.f('uq_case_source_source_ref'))
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_created', ['created_at'], unique=False)
        batch_op.create_index('ix_case_grid_created', ['grid_code', 'created_at'], unique=False)
        batch_op.create_index('ix_case_node_township', ['node', 'township_code'], unique=False)
        batch_op.create_index('ix_case_open_deadline', ['closed_at', 'deadline'], unique=False)
        batch_op.create_index('ix_case_open_grid', ['grid_code', 'deadline'], unique=False, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.create_index('ix_case_open_township', ['township_code', 'deadline'], unique=False, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.create_index('ix_case_open_village', ['village_code', 'deadline'], unique=False, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.create_index('ix_case_township_created', ['township_code', 'created_at'], unique=False)
        batch_op.create_index('ix_case_village_created', ['village_code', 'created_at'], unique=False)

    op.create_table('grid_worker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['grid_code'], ['grid.code'], name=op.f('fk_grid_worker_grid_code_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_worker')),
    sa.UniqueConstraint('grid_code', name=op.f('uq_grid_worker_grid_code'))
    )
    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('received', 'claimed', 'dispatched', 'handled', 'closed', 'escalate', 'urge', 'verify', 'rate', 'reopen', 'remind')", name=op.f('ck_case_event_kind')),
    sa.CheckConstraint("level IN ('village', 'township', 'city', 'department')", name=op.f('ck_case_event_level')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_event_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event')),
    sa.UniqueConstraint('case_id', 'seq', name=op.f('uq_case_event_case_id_seq'))
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_at', ['at'], unique=False)

    op.create_table('patrol',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('grid_code', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('end_lon', sa.Float(), nullable=True),
    sa.Column('end_lat', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['grid_code'], ['grid.code'], name=op.f('fk_patrol_grid_code_grid')),
    sa.ForeignKeyConstraint(['worker_id'], ['grid_worker.id'], name=op.f('fk_patrol_worker_id_grid_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol'))
    )
    with op.batch_alter_table('patrol', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_grid_started', ['grid_code', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_worker_id'), ['worker_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('patrol', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_worker_id'))
        batch_op.drop_index('ix_patrol_grid_started')

    op.drop_table('patrol')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_at')

    op.drop_table('case_event')
    op.drop_table('grid_worker')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_village_created')
        batch_op.drop_index('ix_case_township_created')
        batch_op.drop_index('ix_case_open_village', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_case_open_township', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_case_open_grid', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_case_open_deadline')
        batch_op.drop_index('ix_case_node_township')
        batch_op.drop_index('ix_case_grid_created')
        batch_op.drop_index('ix_case_created')

    op.drop_table('case')
    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_village_code'))
        batch_op.drop_index(batch_op.f('ix_grid_township_code'))

    op.drop_table('grid')
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_township_code'))

    op.drop_table('village')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_member_id'))

    op.drop_table('attendance')
    op.drop_table('township')
    with op.batch_alter_table('study_session', schema=None) as batch_op:
        batch_op.drop_index('ix_study_session_township_starts')
        batch_op.drop_index('ix_study_session_starts')

    op.drop_table('study_session')
    with op.batch_alter_table('party_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_member_township_code'))
        batch_op.drop_index(batch_op.f('ix_party_member_org_code'))

    op.drop_table('party_member')
    with op.batch_alter_table('party_org', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_org_village_code'))
        batch_op.drop_index(batch_op.f('ix_party_org_township_code'))

    op.drop_table('party_org')
    op.drop_table('map_layer')
    op.drop_table('data_version')
    op.drop_table('city')
    with op.batch_alter_table('case_day_response', schema=None) as batch_op:
        batch_op.drop_index('ix_case_day_response_township_day')

    op.drop_table('case_day_response')
    with op.batch_alter_table('case_day_category', schema=None) as batch_op:
        batch_op.drop_index('ix_case_day_category_township_day')

    op.drop_table('case_day_category')
    with op.batch_alter_table('case_day', schema=None) as batch_op:
        batch_op.drop_index('ix_case_day_village_day')
        batch_op.drop_index('ix_case_day_township_day')

    op.drop_table('case_day')
