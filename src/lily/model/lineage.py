"""Lineage edges between assets, at dataset or column level."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class LineageLevel(StrEnum):
    DATASET = "dataset"
    COLUMN = "column"


class TransformationType(StrEnum):
    DIRECT = "DIRECT"
    INDIRECT = "INDIRECT"


class Direction(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
    BOTH = "both"


class LineageEdge(BaseModel):
    """``source`` feeds ``target`` (optionally through a job/run)."""

    id: uuid.UUID
    tenant_id: str
    source_id: uuid.UUID
    target_id: uuid.UUID
    level: LineageLevel = LineageLevel.DATASET
    transformation_type: TransformationType = TransformationType.DIRECT
    transformation_subtype: str | None = None
    masking: bool = False
    # Classification tags (glob patterns) that must not propagate across this edge.
    block_list: list[str] = Field(default_factory=list)
    job_id: uuid.UUID | None = None
    run_id: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


class LineageNode(BaseModel):
    """One asset reached by a traversal, with its shortest distance from the start."""

    asset_id: uuid.UUID
    depth: int
    direction: Direction


class LineageGraph(BaseModel):
    root_id: uuid.UUID
    nodes: list[LineageNode]
    edges: list[LineageEdge]
