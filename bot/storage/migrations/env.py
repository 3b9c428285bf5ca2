"""Alembic environment for Sedia's answers database."""

from alembic import context
from sqlalchemy import pool
from sqlalchemy.future import create_engine

from bot.config.settings import database_url
from bot.storage.models import metadata

config = context.config
# Sedia's own upgrade names the database; `alembic` on the command line (alembic.ini)
# works on the one the environment names.
URL = config.get_main_option("sqlalchemy.url") or database_url()


def run_offline() -> None:
    """Write the SQL for the migrations without a database connection."""
    context.configure(
        url=URL,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Apply the migrations over a connection."""
    engine = create_engine(URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Batch mode lets later migrations alter tables on SQLite too.
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
