"""Reviewer assignment as one global minimum-cost flow.

The network, for the proposals waiting and the committee's reviewers:

    source -> proposal   capacity = reviewers still needed, cost 0
    proposal -> reviewer capacity 1 (k distinct reviewers), cost = -affinity x W, for the
                         top-K eligible reviewers only: conflicted, full or already assigned
                         reviewers have no arc, so hard constraints hold by construction
    reviewer -> sink     one unit arc per possible new review, capacity 1, cost = the balance
                         penalty of that review (convex: zero up to the committee's mean load,
                         then growing with the square of the excess) plus the reviewer load
                         before that review (convex: each extra review costs more)

`solve_max_flow_with_min_cost` first staffs as many slots as possible, then among those flows
maximises the total affinity less the balance penalty, and among equally good ones minimises
sum(load^2)/2, i.e. spreads the load evenly. The balance penalty is in affinity units
(`AssignmentSettings.balance` per unit of squared excess over the mean): without it the best
total affinity piles reviews on the few reviewers whose profiles match most (measured at
10,000 x 2,000: some got none, some more than twice the mean); with it a review moves to a less
loaded reviewer whenever that costs less affinity than the penalty it saves.

Scaling: an affinity a becomes the integer round(a x S) (S = `affinity_scale`, so totals are
exact to F/(2S) for F assignments) and is multiplied by W = 1 + F x (largest load cost). Any flow
of F units has a total load cost below W, so one unit of scaled affinity always outweighs every
possible difference in load: balance only breaks ties. S is lowered if the costs could overflow
OR-Tools' 64-bit arithmetic.

Top-K sparsification can hide the only reviewers a proposal could get. When a proposal is left
short, a search in the full residual network (using every eligible pair, not just the top K)
looks for an augmenting path; the proposals on such paths get all their eligible reviewers and
the flow is solved again, until no path exists. So every proposal is fully staffed whenever the
full problem allows it.
"""

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from uuid import UUID

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy import sparse

from service.assignment.affinity import AffinityModel, TfidfAffinity
from service.assignment.candidates import Candidates, CandidateScorer, Eligibility
from service.assignment.conflicts import conflict_matrix
from service.assignment.profiles import (
    BID_BONUS,
    Bid,
    Preference,
    ProposalProfile,
    RecordedConflict,
    ReviewerProfile,
)

# Headroom below 2**63: OR-Tools multiplies costs by (number of nodes + 1) internally.
_COST_LIMIT = 2**62


@dataclass(frozen=True)
class AssignmentSettings:
    """Tuning of the assignment; the defaults suit a committee of a few thousand reviewers."""

    top_k: int = 50
    area_bonus: float = 0.2
    # Affinity given up, at most, to keep a reviewer's load one review nearer the mean: the
    # n-th review above the mean costs balance x (2n - 1). 0 turns balancing off (ties only).
    balance: float = 0.05
    affinity_scale: int = 10_000
    chunk_rows: int = 1024


@dataclass(frozen=True)
class ProposedAssignment:
    """One reviewer proposed for one proposal, with why it was chosen."""

    proposal_id: UUID
    reviewer_id: UUID
    affinity: float
    area_match: bool
    rank: int
    explanation: str


@dataclass(frozen=True)
class Unstaffed:
    """A proposal that cannot get all the reviewers it needs, and why."""

    proposal_id: UUID
    needed: int
    assigned: int
    reason: str


@dataclass(frozen=True)
class Timings:
    """Seconds spent in each stage; solving includes any re-solve after a top-K shortfall."""

    affinity: float
    conflicts: float
    solve: float

    @property
    def total(self) -> float:
        """Seconds for the whole plan."""
        return self.affinity + self.conflicts + self.solve


@dataclass
class AssignmentPlan:
    """The proposed assignments, the proposals left short, and how long each stage took.

    `affinity_scale` is the integer resolution the flow worked at: totals are optimal to within
    one assignment count divided by it.
    """

    assignments: list[ProposedAssignment]
    unstaffed: list[Unstaffed]
    timings: Timings
    affinity_scale: int

    @property
    def total_affinity(self) -> float:
        """Sum of the affinities of all proposed assignments."""
        return float(sum(a.affinity for a in self.assignments))


def plan_assignments(
    proposals: Sequence[ProposalProfile],
    reviewers: Sequence[ReviewerProfile],
    recorded: Iterable[RecordedConflict] = (),
    *,
    bids: Sequence[Bid] = (),
    model: AffinityModel | None = None,
    settings: AssignmentSettings | None = None,
) -> AssignmentPlan:
    """Assign reviewers to every waiting proposal at once; a dry run, nothing is stored.

    Never proposes a conflicted pair (a "conflict" bid is one), a reviewer beyond capacity, or
    the same reviewer twice on a proposal; the other bids move the pair's affinity (see
    BID_BONUS). Every proposal that cannot be fully staffed is listed in `unstaffed`.
    """
    settings = settings or AssignmentSettings()
    started = time.perf_counter()
    recorded = [
        *recorded,
        *(
            RecordedConflict(b.reviewer_id, "declared in its bid", proposal_id=b.proposal_id)
            for b in bids
            if b.preference == Preference.conflict
        ),
    ]
    conflicts = conflict_matrix(proposals, reviewers, recorded)
    conflicts_done = time.perf_counter()
    scorer = CandidateScorer(
        proposals,
        reviewers,
        conflicts,
        model or TfidfAffinity(),
        area_bonus=settings.area_bonus,
        chunk_rows=settings.chunk_rows,
        bids=bids,
    )
    candidates = scorer.top(np.arange(len(proposals)), settings.top_k)
    eligibility = scorer.eligibility()
    affinity_done = time.perf_counter()

    needed = np.array([max(p.reviewers_needed, 0) for p in proposals], np.int64)
    capacity = np.array([max(r.capacity_remaining, 0) for r in reviewers], np.int64)
    open_reviews = np.array([r.open_reviews for r in reviewers], np.int64)
    network = _Network(needed, capacity, open_reviews, settings.affinity_scale, settings.balance)
    chosen = network.solve(candidates)
    while True:
        short = np.flatnonzero(_staffed(candidates, chosen, len(proposals)) < needed)
        widened = candidates.plus(
            _augmenting_arcs(short, candidates, chosen, capacity, scorer, settings.top_k)
        )
        # No new arc means no augmenting path in the full problem: the flow is maximal.
        if len(widened) == len(candidates):
            break
        candidates = widened
        chosen = network.solve(candidates)
    solve_done = time.perf_counter()

    return AssignmentPlan(
        assignments=_assignments(
            proposals,
            reviewers,
            candidates,
            chosen,
            eligibility,
            settings,
            {(b.proposal_id, b.reviewer_id): b.preference for b in bids},
        ),
        unstaffed=_unstaffed(proposals, needed, candidates, chosen, eligibility),
        timings=Timings(
            affinity=affinity_done - conflicts_done,
            conflicts=conflicts_done - started,
            solve=solve_done - affinity_done,
        ),
        affinity_scale=network.scale,
    )


def plan_replacement(
    proposal: ProposalProfile,
    leaving_reviewer_id: UUID,
    reviewers: Sequence[ReviewerProfile],
    recorded: Iterable[RecordedConflict] = (),
    *,
    model: AffinityModel | None = None,
    settings: AssignmentSettings | None = None,
) -> AssignmentPlan:
    """Fill the one slot a reviewer leaves on a proposal (declined, or review overdue).

    `reviewers` carry their current loads; the leaving reviewer and everyone already on the
    proposal are excluded. A decline for conflict should also be passed as a recorded conflict.
    """
    vacancy = replace(
        proposal,
        reviewers_needed=1,
        already_assigned=tuple(dict.fromkeys((*proposal.already_assigned, leaving_reviewer_id))),
    )
    return plan_assignments([vacancy], reviewers, recorded, model=model, settings=settings)


class _Network:
    """The flow network for a fixed committee; solved again for each candidate set."""

    def __init__(
        self,
        needed: np.ndarray,
        capacity: np.ndarray,
        open_reviews: np.ndarray,
        scale: int,
        balance: float,
    ) -> None:
        self._needed = needed
        self._capacity = capacity
        self._open_reviews = open_reviews
        self._requested_scale = scale
        self._balance = balance
        self.scale = scale
        # The mean load once every slot is staffed: reviews above it are penalised.
        self._target = int(np.ceil((open_reviews.sum() + needed.sum()) / max(len(capacity), 1)))

    def solve(self, candidates: Candidates) -> np.ndarray:
        """Which candidate arcs carry flow, as a boolean array parallel to `candidates`."""
        n_proposals, n_reviewers = len(self._needed), len(self._capacity)
        source, sink = 0, n_proposals + n_reviewers + 1
        proposal_node = 1 + candidates.proposal
        reviewer_node = 1 + n_proposals + candidates.reviewer

        # Only as many unit load arcs as the reviewer could possibly receive.
        in_degree = np.bincount(candidates.reviewer, minlength=n_reviewers)
        units = np.minimum(self._capacity, in_degree)
        load_reviewer = np.repeat(np.arange(n_reviewers), units)
        nth_review = np.arange(len(load_reviewer)) - np.repeat(np.cumsum(units) - units, units)
        load_cost = self._open_reviews[load_reviewer] + nth_review

        excess = np.maximum(load_cost + 1 - self._target, 0)
        penalty = self._balance * np.where(excess > 0, 2 * excess - 1, 0).astype(np.float64)

        flow_bound = int(min(self._needed.sum(), units.sum()))
        weight = 1 + flow_bound * int(load_cost.max(initial=0))
        largest = max(
            float(np.abs(candidates.affinity).max(initial=0.0)), float(penalty.max(initial=0.0))
        )
        self.scale = _safe_scale(self._requested_scale, largest, weight, max(sink + 2, flow_bound))
        affinity_cost = (
            -np.rint(candidates.affinity.astype(np.float64) * self.scale).astype(np.int64) * weight
        )
        load_cost = load_cost + np.rint(penalty * self.scale).astype(np.int64) * weight

        staffed = np.flatnonzero(self._needed > 0)
        tails = np.concatenate(
            [np.zeros(len(staffed), np.int64), proposal_node, 1 + n_proposals + load_reviewer]
        )
        heads = np.concatenate([1 + staffed, reviewer_node, np.full(len(load_reviewer), sink)])
        capacities = np.concatenate(
            [self._needed[staffed], np.ones(len(proposal_node) + len(load_reviewer), np.int64)]
        )
        costs = np.concatenate(
            [np.zeros(len(staffed), np.int64), affinity_cost, load_cost.astype(np.int64)]
        )

        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), capacities, costs
        )
        total = int(self._needed.sum())
        flow.set_nodes_supplies(
            np.array([source, sink], np.int32), np.array([total, -total], np.int64)
        )
        status = flow.solve_max_flow_with_min_cost()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        candidate_arcs = arcs[len(staffed) : len(staffed) + len(proposal_node)]
        return np.asarray(flow.flows(candidate_arcs)) > 0


def _safe_scale(requested: int, largest_affinity: float, weight: int, multiplier: int) -> int:
    """The affinity scale, lowered if the largest cost times `multiplier` could overflow."""
    if largest_affinity == 0.0:
        return requested
    allowed = int(_COST_LIMIT // (largest_affinity * weight * multiplier))
    if allowed < 1:
        raise ValueError("committee too large for integer costs; lower top_k or split it")
    return min(requested, allowed)


def _staffed(candidates: Candidates, chosen: np.ndarray, n_proposals: int) -> np.ndarray:
    return np.bincount(candidates.proposal[chosen], minlength=n_proposals)


def _augmenting_arcs(
    short: np.ndarray,
    candidates: Candidates,
    chosen: np.ndarray,
    capacity: np.ndarray,
    scorer: CandidateScorer,
    top_k: int,
) -> Candidates:
    """Arcs outside the top K that let the next solve staff more slots; none if no such arcs.

    Breadth-first search in the residual network of the full problem, from the short proposals:
    proposal -> an eligible reviewer it does not have yet -> the proposals that reviewer
    currently serves -> ... until a level reaches reviewers with spare capacity. Each reviewer
    remembers the proposal with the best affinity that reached it, each proposal the reviewer
    it was reached through. The arcs returned are, for every proposal of the last level, its
    best `top_k` eligible reviewers with spare capacity, plus the arcs of the search tree back
    to a short proposal: at least one augmenting path. If the search ends without reaching
    spare capacity, no augmenting path exists and the current flow is maximal.
    """
    n_proposals, n_reviewers = scorer.n_proposals, len(capacity)
    taken = candidates.proposal[chosen], candidates.reviewer[chosen]
    spare = np.bincount(taken[1], minlength=n_reviewers) < capacity
    in_plan = sparse.csr_array(
        (np.ones(len(taken[0]), bool), taken), shape=(n_proposals, n_reviewers)
    )
    served_by = in_plan.T.tocsr()

    reached_from = np.full(n_reviewers, -1)  # reviewer -> proposal that reached it
    reached_through = np.full(n_proposals, -1)  # proposal -> reviewer that serves it
    visited = np.zeros(n_proposals, bool)
    visited[short] = True
    level = short
    while level.size:
        best = np.full(n_reviewers, -np.inf, np.float32)
        unvisited = reached_from == -1
        for rows, affinity, _ in scorer.scored(level):
            affinity[in_plan[rows].toarray()] = -np.inf  # forward arcs only
            row = affinity.argmax(axis=0)
            value = affinity[row, np.arange(n_reviewers)]
            better = (value > best) & unvisited
            best[better] = value[better]
            reached_from[better] = rows[row[better]]
        new = np.isfinite(best)
        if (new & spare).any():
            arcs = scorer.top(level, top_k, among=spare, excluded=in_plan)
            tail, head = [], []
            for proposal in np.unique(arcs.proposal).tolist():
                reviewer = reached_through[proposal]
                while reviewer != -1:
                    tail.append(reached_from[reviewer])
                    head.append(reviewer)
                    reviewer = reached_through[reached_from[reviewer]]
            return arcs.plus(scorer.pairs(np.array(tail, np.int64), np.array(head, np.int64)))
        served = served_by[np.flatnonzero(new)]
        serving = np.repeat(np.flatnonzero(new), np.diff(served.indptr))
        fresh = ~visited[served.indices]
        reached_through[served.indices[fresh]] = serving[fresh]
        level = np.unique(served.indices[fresh])
        visited[level] = True
    return Candidates.empty()


def _assignments(
    proposals: Sequence[ProposalProfile],
    reviewers: Sequence[ReviewerProfile],
    candidates: Candidates,
    chosen: np.ndarray,
    eligibility: Eligibility,
    settings: AssignmentSettings,
    bids: dict[tuple[UUID, UUID], Preference],
) -> list[ProposedAssignment]:
    picked = np.flatnonzero(chosen)
    picked = picked[np.lexsort((candidates.rank[picked], candidates.proposal[picked]))]
    load_after = np.bincount(candidates.reviewer[picked], minlength=len(reviewers))
    assignments = []
    for arc in picked:
        proposal = proposals[candidates.proposal[arc]]
        reviewer = reviewers[candidates.reviewer[arc]]
        affinity = float(candidates.affinity[arc])
        area_match = bool(candidates.area_match[arc])
        rank = int(candidates.rank[arc])
        bid = bids.get((proposal.id, reviewer.id))
        bonus = BID_BONUS.get(bid, 0.0) if bid else 0.0
        why = f"text similarity {affinity - settings.area_bonus * area_match - bonus:.2f}"
        if area_match:
            why += f" + {settings.area_bonus:.2f} for covering {proposal.therapeutic_area}"
        if bid:
            why += f" {bonus:+.2f} for its bid ({bid.replace('_', ' ')})"
        why += (
            f"; rank {rank} of {eligibility.eligible[candidates.proposal[arc]]} eligible reviewers"
            f"; load after this plan {reviewer.open_reviews + load_after[candidates.reviewer[arc]]}"
            f" of {reviewer.open_reviews + reviewer.capacity_remaining}"
        )
        assignments.append(
            ProposedAssignment(proposal.id, reviewer.id, affinity, area_match, rank, why)
        )
    return assignments


def _unstaffed(
    proposals: Sequence[ProposalProfile],
    needed: np.ndarray,
    candidates: Candidates,
    chosen: np.ndarray,
    eligibility: Eligibility,
) -> list[Unstaffed]:
    staffed = _staffed(candidates, chosen, len(proposals))
    unstaffed = []
    for i in np.flatnonzero(staffed < needed).tolist():
        eligible = int(eligibility.eligible[i])
        if eligible < needed[i]:
            excluded = [
                f"{count} {why}"
                for count, why in (
                    (eligibility.conflicted[i], "excluded for conflict"),
                    (eligibility.already_assigned[i], "already assigned"),
                    (eligibility.at_capacity[i], "at capacity"),
                )
                if count
            ]
            reason = f"only {eligible} eligible reviewers without conflict and with capacity"
            if excluded:
                reason += ": " + ", ".join(excluded)
        else:
            reason = (
                f"committee capacity exhausted: its {eligible} eligible reviewers are fully"
                " booked by other proposals"
            )
        unstaffed.append(Unstaffed(proposals[i].id, int(needed[i]), int(staffed[i]), reason))
    return unstaffed
