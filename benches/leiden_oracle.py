"""Prints the reference values of the community tests in src/coordination/community.rs.

Run from the repository root:
    python3 -m venv .venv && .venv/bin/pip install igraph leidenalg networkx
    .venv/bin/python benches/leiden_oracle.py

The graphs are made with SplitMix64 (as src/util/rng.rs, in benches/splitmix.py) in the same order as the Rust test,
so that the test rebuilds the same graphs. On each: the best and the median modularity that
leidenalg's Leiden (ModularityVertexPartition, iterated until stable) reaches over ten seeds,
and the best of networkx's Louvain (louvain_communities, ten seeds); and the best and median
quality of leidenalg's constant Potts model (CPMVertexPartition) at resolution 0.05. The karate club's edges are printed as a
Rust array for the test.
"""
import igraph as ig
import leidenalg
import networkx as nx

from splitmix import SplitMix64

CPM_GAMMA = 0.05


def planted(seed, groups, size, p_in, p_out):
    """Each pair i < j joined with p_in inside a group, p_out across; weights 1..5."""
    r = SplitMix64(seed)
    n = groups * size
    edges = []
    for i in range(n):
        for j in range(i + 1, n):
            p = p_in if i // size == j // size else p_out
            if r.next_f64() < p:
                edges.append((i, j, 1 + r.below(5)))
    return n, edges


def scattered(seed, n, m):
    """m random pairs (a node with itself left out), weights 1..3."""
    r = SplitMix64(seed)
    edges = []
    for _ in range(m):
        a, b, w = r.below(n), r.below(n), 1 + r.below(3)
        if a != b:
            edges.append((a, b, w))
    return n, edges


def best(n, edges):
    g = ig.Graph(n=n, edges=[(a, b) for a, b, _ in edges])
    g.es["weight"] = [float(w) for _, _, w in edges]
    g = g.simplify(combine_edges="sum")
    leiden = sorted(
        g.modularity(
            leidenalg.find_partition(
                g, leidenalg.ModularityVertexPartition, weights="weight", n_iterations=-1, seed=s
            ).membership,
            weights="weight",
        )
        for s in range(10)
    )
    h = nx.Graph()
    h.add_nodes_from(range(n))
    for a, b, w in edges:
        if h.has_edge(a, b):
            h[a][b]["weight"] += w
        else:
            h.add_edge(a, b, weight=w)
    louvain = max(
        nx.community.modularity(h, nx.community.louvain_communities(h, weight="weight", seed=s))
        for s in range(10)
    )
    # The constant Potts model at γ = 0.05 per unit of weight, as the test computes it (weight
    # inside less γ per pair of members), of the communities leidenalg's CPMVertexPartition
    # finds (its own quality() counts on another scale).
    cpm = []
    for s in range(10):
        p = leidenalg.find_partition(
            g, leidenalg.CPMVertexPartition, weights="weight", resolution_parameter=CPM_GAMMA,
            n_iterations=-1, seed=s,
        )
        cpm.append(sum(
            sum(g.subgraph_edges(g.es.select(_within=c), delete_vertices=False).es["weight"])
            - CPM_GAMMA * len(c) * (len(c) - 1) / 2
            for c in p
        ))
    cpm.sort()
    # The best and the median (mean of the 5th and 6th) of the ten seeds.
    return (leiden[-1], (leiden[4] + leiden[5]) / 2), louvain, (cpm[-1], (cpm[4] + cpm[5]) / 2)


def main():
    print(f"igraph {ig.__version__}, leidenalg {leidenalg.version}, networkx {nx.__version__}")
    for name, (n, edges) in [
        ("planted(1, 10, 30, 0.3, 0.01)", planted(1, 10, 30, 0.3, 0.01)),
        ("planted(2, 8, 40, 0.15, 0.02)", planted(2, 8, 40, 0.15, 0.02)),
        ("scattered(3, 500, 1500)", scattered(3, 500, 1500)),
    ]:
        leiden, louvain, cpm = best(n, edges)
        print(
            f"{name}: {len(edges)} edges, leidenalg best {leiden[0]:.6f} median {leiden[1]:.6f}, "
            f"networkx louvain best {louvain:.6f}; CPM at {CPM_GAMMA}: best {cpm[0]:.6f} "
            f"median {cpm[1]:.6f}"
        )
    k = nx.karate_club_graph()
    edges = sorted((a, b, int(d["weight"])) for a, b, d in k.edges(data=True))
    leiden, louvain, cpm = best(k.number_of_nodes(), edges)
    print(
        f"karate (weighted): leidenalg best {leiden[0]:.6f} median {leiden[1]:.6f}, "
        f"networkx louvain best {louvain:.6f}; CPM at {CPM_GAMMA}: best {cpm[0]:.6f} "
        f"median {cpm[1]:.6f}"
    )
    print("const KARATE: [(u32, u32, f64); %d] = [" % len(edges))
    print("    " + ", ".join(f"({a}, {b}, {w}.0)" for a, b, w in edges))
    print("];")


if __name__ == "__main__":
    main()
