"""The ceiling for bench/submit.py: the same HTTP traffic, each request one INSERT and commit.

Served like the API (`python -m bench.thin PORT WORKERS`: service.serving, the same number of
processes, the same database and pool, the insert in the thread pool as the API's routes run);
what the real endpoints do beyond one round trip to the database is the difference.

`POST /signed` is a second reference, for information: the same INSERT behind what every write
of the API does first (the API's own dependencies: the bearer token checked, its session and
user looked up, a request session committed), so that the difference between it and the real
endpoints is the work of creating, attaching and submitting itself.
"""

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID, uuid4

from fastapi import FastAPI, Request
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from service.db import get_engine
from service.deps import CurrentUser, SessionDep


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


@app.post("/signed", status_code=201)
def signed(session: SessionDep, user: CurrentUser) -> dict[str, str]:
    ident = uuid4()
    session.execute(
        text("INSERT INTO bench_thin (id, size) VALUES (:id, :size)"), {"id": ident, "size": 0}
    )
    session.commit()
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
