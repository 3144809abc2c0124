"""Join paths: simple paths through the graph of accepted foreign keys (networkx).

Tables are nodes; every accepted or confirmed foreign key between two different tables
is an edge (a multigraph: two tables may be linked by more than one key). A path may
walk an edge either way; each step says which columns to join. For every ordered pair
of connected tables, the simple paths of up to `MAX_PATH_LENGTH` steps are listed,
shortest and most confident first, at most `MAX_PATHS_PER_PAIR` of them. A path's total
confidence is the product of its relationships' confidences.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dataraum_context.topology.models import JoinPathResult, JoinStep, RelationshipResult

MAX_PATH_LENGTH = 4
MAX_PATHS_PER_PAIR = 20
JOINABLE = ("accepted", "confirmed")

if TYPE_CHECKING:
    import networkx as nx


def _joinable(r: RelationshipResult) -> bool:
    return r.relationship_type == "foreign_key" and r.status in JOINABLE and r.from_table != r.to_table


def relationship_graph(relationships: list[RelationshipResult]) -> nx.MultiGraph:
    """Tables and the accepted foreign keys between them."""
    import networkx as nx  # here: importing networkx costs ~0.1 s, and only this stage needs it

    graph = nx.MultiGraph()
    for index, r in enumerate(relationships):
        if not _joinable(r):
            continue
        graph.add_edge(r.from_table, r.to_table, key=index, relationship=r)
    return graph


def _step(graph: nx.MultiGraph, start: str, end: str, key: int) -> tuple[JoinStep, float]:
    r: RelationshipResult = graph.edges[start, end, key]["relationship"]
    if r.from_table == start:
        step = JoinStep(from_table=start, from_columns=r.from_columns, to_table=end, to_columns=r.to_columns)
    else:
        step = JoinStep(from_table=start, from_columns=r.to_columns, to_table=end, to_columns=r.from_columns)
    return step, r.confidence


def find_join_paths(relationships: list[RelationshipResult]) -> list[JoinPathResult]:
    """Every ordered pair of connected tables with its join paths (see the module docstring)."""
    if not any(_joinable(r) for r in relationships):
        return []  # no edges, no paths (and no networkx to import)
    import networkx as nx

    graph = relationship_graph(relationships)
    paths: list[JoinPathResult] = []
    for source in sorted(graph.nodes):
        for target in sorted(graph.nodes):
            if source == target or not nx.has_path(graph, source, target):
                continue
            found = []
            for edge_path in nx.all_simple_edge_paths(graph, source, target, cutoff=MAX_PATH_LENGTH):
                steps, confidences = zip(*(_step(graph, u, v, k) for u, v, k in edge_path), strict=True)
                found.append(
                    JoinPathResult(
                        from_table=source,
                        to_table=target,
                        steps=list(steps),
                        length=len(steps),
                        total_confidence=round(math.prod(confidences), 6),
                    )
                )
            found.sort(key=lambda p: (p.length, -p.total_confidence, [(s.to_table, s.from_columns, s.to_columns) for s in p.steps]))
            paths += found[:MAX_PATHS_PER_PAIR]
    return paths
