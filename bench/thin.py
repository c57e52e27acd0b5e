"""The ceiling for bench/submit.py: the same HTTP traffic, each request one INSERT and commit.

Served like the API (`python -m bench.thin PORT WORKERS`: service.serving, the same number of
processes, the same database and pool, the insert in the thread pool as the API's routes run);
what the real endpoints do beyond one round trip to the database is the difference.
"""

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID, uuid4

from fastapi import FastAPI, Request
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from service.db import get_engine


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    with get_engine().begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_thin "
                "(id uuid PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), size int)"
            )
        )
    yield


app = FastAPI(lifespan=_lifespan)


def _insert(ident: UUID, size: int) -> None:
    with get_engine().begin() as connection:
        connection.execute(
            text("INSERT INTO bench_thin (id, size) VALUES (:id, :size)"),
            {"id": ident, "size": size},
        )


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/thin", status_code=201)
async def thin(request: Request) -> dict[str, str]:
    ident = uuid4()
    await run_in_threadpool(_insert, ident, len(await request.body()))
    return {"id": str(ident)}


if __name__ == "__main__":
    from service.serving import serve

    serve(
        host="127.0.0.1",
        port=int(sys.argv[1]),
        workers=int(sys.argv[2]),
        app="bench.thin:app",
        factory=False,
    )
