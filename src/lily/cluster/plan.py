"""What ``lily cluster up`` runs, as data: each process's name, role, command line and health port,
and the environment they share. Pure: the supervisor (``lily.cluster.supervisor``) starts it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BUCKET = "lily-lake"


@dataclass(frozen=True)
class Topology:
    """How many of each process. The defaults are the cluster of issue 18: 2 APIs behind the proxy,
    2 inbound workers, 1 propagation, 1 outbound, the scheduler."""

    apis: int = 2
    inbound: int = 2
    propagation: int = 1
    outbound: int = 1
    schedulers: int = 1


@dataclass(frozen=True)
class ProcessSpec:
    name: str  # unique in the cluster: api-1, inbound-2, scheduler-1, proxy
    role: str  # api | proxy | inbound | propagation | outbound | scheduler
    args: tuple[str, ...]  # after `python -m lily.cli`
    port: int  # /readyz (and /metrics) answer here


@dataclass(frozen=True)
class Endpoints:
    """Where the cluster's own servers answer, and what the processes share."""

    data_dir: Path
    database_url: str
    bus_url: str
    s3_endpoint: str
    proxy_url: str
    pipeline_api_key: str  # the scheduler's pipelines report OpenLineage through the proxy with it


def plan(topology: Topology, proxy_port: int, ports: Iterator[int]) -> list[ProcessSpec]:
    """Every process, in start order: workers and the scheduler, the APIs, then the proxy in front."""
    health = ("--health-host", "127.0.0.1", "--health-port")
    specs: list[ProcessSpec] = []
    for role, count, args in (("inbound", topology.inbound, ("worker", "inbound", "--workers", "1")),
                              ("propagation", topology.propagation, ("worker", "propagation")),
                              ("outbound", topology.outbound, ("worker", "outbound")),
                              ("scheduler", topology.schedulers, ("scheduler",))):
        for i in range(1, count + 1):
            port = next(ports)
            specs.append(ProcessSpec(f"{role}-{i}", role, (*args, *health, str(port)), port))
    apis = [next(ports) for _ in range(topology.apis)]
    specs += [ProcessSpec(f"api-{i}", "api", ("api", "--host", "127.0.0.1", "--port", str(port)), port)
              for i, port in enumerate(apis, 1)]
    backends = [a for port in apis for a in ("--backend", f"127.0.0.1:{port}")]
    specs.append(ProcessSpec("proxy", "proxy", ("cluster", "proxy", "--port", str(proxy_port), *backends), proxy_port))
    return specs


def environment(e: Endpoints) -> dict[str, str]:
    """The settings every process of the cluster runs with (docs/deployment.md lists them)."""
    from lily.cluster.moto import ACCESS_KEY, REGION, SECRET_KEY

    return {
        "LILY_DATA_DIR": str(e.data_dir),  # shared secrets.json: the same JWT and encryption keys everywhere
        "LILY_DATABASE_URL": e.database_url,
        "LILY_BUS_URL": e.bus_url,
        "LILY_LAKE_URL": f"s3://{BUCKET}/lake",
        "AWS_ENDPOINT_URL": e.s3_endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "LILY_SCHEDULER_IN_PROCESS": "false",  # `lily scheduler` does the cron work
        "LILY_WORKERS_IN_PROCESS": "false",
        "LILY_INBOUND_WORKERS": "0",  # `lily worker inbound` applies; the APIs only accept
        "LILY_LINEAGE_URL": e.proxy_url,
        "LILY_API_KEY": e.pipeline_api_key,
        "LILY_LOG_JSON": "true",
    }
