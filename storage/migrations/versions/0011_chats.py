"""chats: subscribers per chat and forum topic (thread_id) with the chat's kind; chat_links

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# A forum supergroup's topics read apart, so a subscriber is a (chat, topic) pair: thread_id 0
# is the chat itself. Existing rows become (chat_id, 0), private for positive chat ids and
# group for negative ones (Telegram's groups and channels have negative ids; a supergroup or
# channel is told apart the next time it writes). chat_links records which channels a user
# manages from their private chat, and which one their commands act on now.
#
# SQLite cannot drop the old UNIQUE(chat_id), so subscribers is built again in this migration's
# transaction. With foreign keys on, dropping the old table deletes its subscriptions and
# deliveries (ON DELETE CASCADE): they are kept in temporary tables and put back, ids and all.

COLUMNS = ("id", "chat_id", "username", "timezone", "delivery_time", "active", "created_at",
           "last_briefed_at")
CHILDREN = ("subscriptions", "deliveries")
OLD_UNIQUE = "subscribers_chat_id_key"  # PostgreSQL's name for 0001's UNIQUE (chat_id)
NEW_UNIQUE = "uq_subscribers_chat_thread"


def _subscriber_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("delivery_time", sa.Time(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_briefed_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _new_columns() -> list[sa.Column]:
    return [
        sa.Column("thread_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("chat_kind", sa.String(length=16), nullable=False, server_default="private"),
    ]


def _rebuild_sqlite(columns: list[sa.Column], unique: sa.UniqueConstraint, select: str) -> None:
    """Build subscribers again from *select*, keeping every subscription and delivery."""
    for child in CHILDREN:
        op.execute(f"CREATE TEMP TABLE _keep_{child} AS SELECT * FROM {child}")
    op.create_table("subscribers_new", *columns, sa.PrimaryKeyConstraint("id"), unique)
    names = ", ".join(c.name for c in columns)
    op.execute(f"INSERT INTO subscribers_new ({names}) {select}")
    op.drop_table("subscribers")  # cascades into the children kept above
    op.rename_table("subscribers_new", "subscribers")
    for child in CHILDREN:
        op.execute(f"INSERT INTO {child} SELECT * FROM _keep_{child}")
        op.execute(f"DROP TABLE _keep_{child}")


def upgrade() -> None:
    old = ", ".join(COLUMNS)
    kind = "CASE WHEN chat_id > 0 THEN 'private' ELSE 'group' END"
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(_subscriber_columns() + _new_columns(),
                        sa.UniqueConstraint("chat_id", "thread_id", name=NEW_UNIQUE),
                        f"SELECT {old}, 0, {kind} FROM subscribers")
    else:
        for column in _new_columns():
            op.add_column("subscribers", column)
        op.execute(f"UPDATE subscribers SET chat_kind = {kind}")
        op.drop_constraint(OLD_UNIQUE, "subscribers", type_="unique")
        op.create_unique_constraint(NEW_UNIQUE, "subscribers", ["chat_id", "thread_id"])
    op.create_table(
        "chat_links",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "chat_id"),
    )
    op.create_index("ix_chat_links_chat_id", "chat_links", ["chat_id"])


def downgrade() -> None:
    # Topic subscribers have no place in one-subscriber-per-chat: they go, with what they had.
    op.drop_index("ix_chat_links_chat_id", table_name="chat_links")
    op.drop_table("chat_links")
    op.execute("DELETE FROM subscribers WHERE thread_id <> 0")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(_subscriber_columns(), sa.UniqueConstraint("chat_id"),
                        f"SELECT {', '.join(COLUMNS)} FROM subscribers")
        return
    op.drop_constraint(NEW_UNIQUE, "subscribers", type_="unique")
    op.create_unique_constraint(OLD_UNIQUE, "subscribers", ["chat_id"])
    op.drop_column("subscribers", "chat_kind")
    op.drop_column("subscribers", "thread_id")
