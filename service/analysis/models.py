"""Stored prospect-analysis reports, one per proposal version."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import created_field, id_field


class ProspectReportRecord(SQLModel, table=True):
    __tablename__ = "prospect_reports"
    # One report per method for a version: a re-analysis keeps the earlier method's report.
    __table_args__ = (UniqueConstraint("proposal_id", "proposal_version", "method_version"),)
    id: UUID = id_field()
    proposal_id: UUID = Field(foreign_key="proposals.id", index=True)
    proposal_version: int
    method_version: str = Field(max_length=40)
    band: str = Field(sa_type=String(40))
    report: dict[str, object] = Field(sa_type=JSON)
    created_at: datetime = created_field()
