"""A gate stores its proposals in a few statements per gate (`gates.store_proposals`), and
still: each item names the column or table it is about (the raw layer's, never the typed
table of the same name), targets not in the store get their derived id, pending items of
earlier runs about the same review type and target are superseded and no others, decided
items stay decided, and a decision settles its proposal. 1,200 columns cross the 500-name
chunks of the id lookup and of the supersede. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.contracts.review import ReviewDecision, ReviewDecisions, ReviewProposal
from dataraum_context.pipeline import gates
from dataraum_context.pipeline.db_models import ReviewItem
from dataraum_context.storage.core import Column, Source, Table

WIDE = 1200


def _derived(review_type: str, target: str) -> uuid.UUID:
    return uuid.uuid5(gates._ITEM_NAMESPACE, f"{review_type}|{target}")


def test_store_proposals_in_batches(metadata_engine) -> None:
    async def body(session: AsyncSession) -> None:
        source = Source(name="s", source_type="csv")
        wide = Table(source=source, table_name="wide", layer="raw")
        # The typed table of the same name, older: a lookup not held to the raw layer takes it.
        typed_wide = Table(source=source, table_name="wide", layer="typed", created_at=datetime(2000, 1, 1, tzinfo=UTC))
        other = Table(source=source, table_name="other", layer="raw")
        columns = [Column(table=wide, column_name=f"c{i}", column_position=i) for i in range(WIDE)]
        typed_columns = [Column(table=typed_wide, column_name=f"c{i}", column_position=i) for i in range(WIDE)]
        session.add_all([source, wide, typed_wide, other, *columns, *typed_columns])
        await session.flush()

        # An earlier run's items: pending ones about every other column (type_review), a pending
        # semantic_review about a proposed column (other review type: stays), a pending one about
        # a column nobody proposes now (stays), an approved one about a proposed column (stays).
        earlier = {
            f"wide.c{i}": ReviewItem(review_type="type_review", item_id=columns[i].column_id, target=f"wide.c{i}")
            for i in range(0, WIDE, 2)
        }
        other_type = ReviewItem(review_type="semantic_review", item_id=columns[1].column_id, target="wide.c1")
        not_proposed = ReviewItem(review_type="type_review", item_id=uuid.uuid4(), target="gone.x")
        approved = ReviewItem(review_type="type_review", item_id=columns[3].column_id, target="wide.c3", status="approved")
        session.add_all([*earlier.values(), other_type, not_proposed, approved])
        await session.flush()

        proposals = [
            ReviewProposal(review_type="type_review", target_kind="column", table_name="wide", column_name=f"c{i}")
            for i in range(WIDE)
        ]
        proposals += [
            ReviewProposal(review_type="type_review", target_kind="column", table_name="wide", column_name="nope"),
            ReviewProposal(review_type="type_review", target_kind="column", table_name="ghost", column_name="c0"),
            ReviewProposal(review_type="semantic_review", target_kind="table", table_name="other"),
            ReviewProposal(review_type="semantic_review", target_kind="table", table_name="ghost"),
            ReviewProposal(
                review_type="relationship_review", target_kind="relationship", table_name="wide",
                from_columns=["c0"], to_table="other", to_columns=["id"],
            ),
            # The same target twice in one gate: the later proposal stands.
            ReviewProposal(review_type="type_review", target_kind="column", table_name="wide", column_name="c7"),
        ]
        decisions = ReviewDecisions(
            items=[ReviewDecision(review_type="type_review", target="wide.c5", action="reject", decided_by="tester")]
        )
        pending = await gates.store_proposals(session, None, "type_resolution", proposals, decisions)

        expected_ids = [columns[i].column_id for i in range(WIDE)] + [
            _derived("type_review", "wide.nope"),
            _derived("type_review", "ghost.c0"),
            other.table_id,
            _derived("semantic_review", "ghost"),
            _derived("relationship_review", proposals[WIDE + 4].target),
            columns[7].column_id,
        ]
        assert [item.item_id for item in pending] == [
            item_id for k, item_id in enumerate(expected_ids) if k not in (5, 7)  # c5 decided, first c7 superseded
        ]
        assert [item.target for item in pending][:8] == ["wide.c0", "wide.c1", "wide.c2", "wide.c3", "wide.c4", "wide.c6", "wide.c8", "wide.c9"]
        assert {item.status for item in pending} == {"pending"}

        statuses = {
            (row.review_type, row.target, row.item_id, row.status)
            for row in (await session.execute(sa.select(ReviewItem))).scalars()
        }
        for target in earlier:  # earlier pending items about proposed targets: superseded
            assert ("type_review", target, earlier[target].item_id, "superseded") in statuses
        assert ("semantic_review", "wide.c1", columns[1].column_id, "pending") in statuses
        assert ("type_review", "gone.x", not_proposed.item_id, "pending") in statuses
        assert ("type_review", "wide.c3", columns[3].column_id, "approved") in statuses
        assert ("type_review", "wide.c5", columns[5].column_id, "rejected") in statuses
        assert ("type_review", "wide.c7", columns[7].column_id, "superseded") in statuses  # the first c7 of this gate
        counts = (
            await session.execute(
                sa.select(ReviewItem.status, sa.func.count()).group_by(ReviewItem.status).order_by(ReviewItem.status)
            )
        ).all()
        # 1,200 + 6 new items and 603 earlier ones: 600 earlier + 1 first c7 superseded; 1 rejected,
        # 1 approved; pending: 1,204 new + 2 earlier (other review type, target not proposed).
        assert dict(counts) == {"approved": 1, "pending": len(pending) + 2, "rejected": 1, "superseded": WIDE // 2 + 1}
        assert len(pending) == WIDE + 6 - 2

        # One proposal at a time (as annotations ask) gives what the batch gives.
        for proposal, expected in zip(proposals[WIDE - 2 :], expected_ids[WIDE - 2 :], strict=True):
            assert (await gates.item_ids(session, [proposal]))[0] == expected

    metadata_engine.run_session(body)
