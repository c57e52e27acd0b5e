"""Eligible reviewers of each proposal and their affinity, keeping only the best few for scale.

A reviewer is eligible for a proposal when there is no conflict of interest, the reviewer has
capacity left and is not already on the proposal. Affinity is the model's text affinity plus a
bonus when the reviewer covers the proposal's therapeutic area. Proposals are scored in chunks of
rows (float32) and only the top K eligible reviewers of each are kept, so memory stays bounded
by chunk_rows x reviewers whatever the number of proposals.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from service.assignment.affinity import AffinityModel
from service.assignment.conflicts import ConflictMatrix
from service.assignment.profiles import BID_BONUS, Bid, ProposalProfile, ReviewerProfile


@dataclass(frozen=True)
class Candidates:
    """Candidate (proposal, reviewer) arcs as parallel arrays of positions in the inputs."""

    proposal: np.ndarray  # int64 proposal position
    reviewer: np.ndarray  # int64 reviewer position
    affinity: np.ndarray  # float32 text affinity + area bonus
    area_match: np.ndarray  # bool
    rank: np.ndarray  # int64, 1 = the proposal's best eligible reviewer

    @staticmethod
    def empty() -> "Candidates":
        """No arcs."""
        return Candidates(
            proposal=np.empty(0, np.int64),
            reviewer=np.empty(0, np.int64),
            affinity=np.empty(0, np.float32),
            area_match=np.empty(0, bool),
            rank=np.empty(0, np.int64),
        )

    def __len__(self) -> int:
        return len(self.proposal)

    def plus(self, other: "Candidates") -> "Candidates":
        """These arcs and those of `other` that are not already here."""
        width = int(max(self.reviewer.max(initial=0), other.reviewer.max(initial=0))) + 1
        offered = other.proposal * width + other.reviewer
        new = np.zeros(len(other), bool)
        new[np.unique(offered, return_index=True)[1]] = True
        new &= ~np.isin(offered, self.proposal * width + self.reviewer)
        return _concatenate([self, Candidates(*(field[new] for field in other.fields()))])

    def fields(self) -> tuple[np.ndarray, ...]:
        """The parallel arrays, in declaration order."""
        return (self.proposal, self.reviewer, self.affinity, self.area_match, self.rank)


@dataclass(frozen=True)
class Eligibility:
    """Per proposal: how many reviewers are eligible, and why the others are not.

    Each excluded reviewer is counted once, under the first reason in the order conflict,
    already assigned, no capacity left.
    """

    eligible: np.ndarray
    conflicted: np.ndarray
    already_assigned: np.ndarray
    at_capacity: np.ndarray


class CandidateScorer:
    """Scores proposals against reviewers, chunk by chunk, over eligible pairs only."""

    def __init__(
        self,
        proposals: Sequence[ProposalProfile],
        reviewers: Sequence[ReviewerProfile],
        conflicts: ConflictMatrix,
        model: AffinityModel,
        *,
        area_bonus: float,
        chunk_rows: int,
        bids: Sequence[Bid] = (),
    ) -> None:
        proposal_vectors, reviewer_vectors = model.encode(proposals, reviewers)
        self._proposal_vectors = proposal_vectors
        # Transposed once, in the layout the chunk products read fastest.
        reviewer_t = reviewer_vectors.T
        self._reviewer_vectors_t = reviewer_t.tocsr() if sparse.issparse(reviewer_t) else reviewer_t
        self._area_bonus = np.float32(area_bonus)
        self._chunk_rows = chunk_rows
        self._n_reviewers = len(reviewers)
        self.n_proposals = len(proposals)

        area_codes: dict[str, int] = {}
        for reviewer in reviewers:
            for area in reviewer.areas:
                area_codes.setdefault(area, len(area_codes))
        self._reviewer_areas = np.zeros((len(area_codes) + 1, len(reviewers)), bool)
        for j, reviewer in enumerate(reviewers):
            self._reviewer_areas[[area_codes[a] for a in reviewer.areas], j] = True
        # An area no reviewer covers maps to the last row, which matches nobody.
        self._proposal_area = np.array(
            [area_codes.get(p.therapeutic_area, len(area_codes)) for p in proposals], np.int64
        )

        self._conflicts = conflicts.codes
        reviewer_index = {r.id: j for j, r in enumerate(reviewers)}
        rows: list[int] = []
        cols: list[int] = []
        for i, proposal in enumerate(proposals):
            for reviewer_id in proposal.already_assigned:
                if reviewer_id in reviewer_index:
                    rows.append(i)
                    cols.append(reviewer_index[reviewer_id])
        self._assigned = sparse.csr_array(
            (np.ones(len(rows), bool), (rows, cols)), shape=(len(proposals), len(reviewers))
        )
        self._no_capacity = np.array([r.capacity_remaining <= 0 for r in reviewers], bool)
        proposal_index = {p.id: i for i, p in enumerate(proposals)}
        scored = [
            (proposal_index[b.proposal_id], reviewer_index[b.reviewer_id], BID_BONUS[b.preference])
            for b in bids
            if b.preference in BID_BONUS
            and b.proposal_id in proposal_index
            and b.reviewer_id in reviewer_index
        ]
        bid_rows, bid_cols, bonus = zip(*scored, strict=True) if scored else ((), (), ())
        # Sparse: a few bids per reviewer, added to the affinity of those pairs only.
        self._bids = sparse.csr_array(
            (np.array(bonus, np.float32), (bid_rows, bid_cols)),
            shape=(len(proposals), len(reviewers)),
        )

    def _chunks(self, rows: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(rows, conflicted, already assigned) as dense boolean blocks, one chunk at a time."""
        for start in range(0, len(rows), self._chunk_rows):
            chunk = rows[start : start + self._chunk_rows]
            yield chunk, _dense_bool(self._conflicts[chunk]), _dense_bool(self._assigned[chunk])

    def eligibility(self) -> Eligibility:
        """Eligibility counts for every proposal."""
        rows = np.arange(self.n_proposals)
        counts = np.zeros((4, len(rows)), np.int64)
        for chunk, conflicted, assigned in self._chunks(rows):
            assigned_only = assigned & ~conflicted
            no_capacity = self._no_capacity & ~(conflicted | assigned)
            counts[1, chunk] = conflicted.sum(axis=1)
            counts[2, chunk] = assigned_only.sum(axis=1)
            counts[3, chunk] = no_capacity.sum(axis=1)
        counts[0] = self._n_reviewers - counts[1:].sum(axis=0)
        return Eligibility(*counts)

    def scored(self, rows: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(rows, affinity, area match) blocks, chunk by chunk; ineligible pairs hold -inf."""
        for chunk, conflicted, assigned in self._chunks(rows):
            affinity, area_match = self._affinity(chunk)
            affinity[conflicted | assigned | self._no_capacity] = -np.inf
            yield chunk, affinity, area_match

    def top(
        self,
        rows: np.ndarray,
        k: int,
        among: np.ndarray | None = None,
        excluded: sparse.csr_array | None = None,
    ) -> Candidates:
        """The k best eligible reviewers of each proposal in `rows` (fewer if fewer qualify).

        `among`, a boolean mask over reviewers, restricts the choice to those reviewers, and
        `excluded`, a sparse (proposals x reviewers) matrix, leaves out its pairs; ranks stay
        ranks among all the proposal's eligible reviewers.
        """
        k = min(k, self._n_reviewers)
        parts: list[Candidates] = []
        for chunk, affinity, area_match in self.scored(rows):
            pool = affinity
            if among is not None:
                pool = np.where(among, pool, -np.inf)
            if excluded is not None:
                pool = np.where(_dense_bool(excluded[chunk]), -np.inf, pool)
            if k < self._n_reviewers:
                best = np.argpartition(-pool, k - 1, axis=1)[:, :k]
            else:
                best = np.broadcast_to(np.arange(self._n_reviewers), pool.shape)
            values = np.take_along_axis(pool, best, axis=1)
            order = np.argsort(-values, axis=1, kind="stable")
            best = np.take_along_axis(best, order, axis=1)
            values = np.take_along_axis(values, order, axis=1)
            keep = np.isfinite(values)
            position = np.broadcast_to(np.arange(len(chunk))[:, None], best.shape)[keep]
            reviewer = best[keep]
            if among is None and excluded is None:
                rank = np.broadcast_to(np.arange(1, k + 1), best.shape)[keep]
            else:
                rank = _ranks(affinity, position, values[keep])
            parts.append(
                Candidates(
                    proposal=chunk[position],
                    reviewer=reviewer,
                    affinity=values[keep],
                    area_match=area_match[position, reviewer],
                    rank=rank,
                )
            )
        return _concatenate(parts)

    def pairs(self, proposal: np.ndarray, reviewer: np.ndarray) -> Candidates:
        """The given eligible (proposal, reviewer) pairs, scored and ranked."""
        order = np.argsort(proposal, kind="stable")
        proposal, reviewer = proposal[order], reviewer[order]
        rows, row_of_pair = np.unique(proposal, return_inverse=True)
        parts: list[Candidates] = []
        first_row = 0
        for chunk, affinity, area_match in self.scored(rows):
            mine = (row_of_pair >= first_row) & (row_of_pair < first_row + len(chunk))
            position = row_of_pair[mine] - first_row
            values = affinity[position, reviewer[mine]]
            parts.append(
                Candidates(
                    proposal=proposal[mine],
                    reviewer=reviewer[mine],
                    affinity=values,
                    area_match=area_match[position, reviewer[mine]],
                    rank=_ranks(affinity, position, values),
                )
            )
            first_row += len(chunk)
        return _concatenate(parts)

    def bid(self, proposal: int, reviewer: int) -> float:
        """What the reviewer's bid adds to the pair's affinity (0: no bid)."""
        return float(self._bids[proposal, reviewer])

    def _affinity(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(text affinity + area bonus + bid, area match) for a chunk of proposals."""
        text = self._proposal_vectors[chunk] @ self._reviewer_vectors_t
        affinity = np.asarray(text.toarray() if sparse.issparse(text) else text, np.float32)
        area_match = self._reviewer_areas[self._proposal_area[chunk]]
        affinity += self._area_bonus * area_match
        affinity += self._bids[chunk].toarray()
        return affinity, area_match


def _ranks(affinity: np.ndarray, position: np.ndarray, values: np.ndarray) -> np.ndarray:
    """1 + how many eligible reviewers of the same proposal have a strictly higher affinity.

    `position` (row in the `affinity` block) must be sorted, as row-major selections are.
    """
    ascending = np.sort(affinity, axis=1)
    ranks = np.empty(len(values), np.int64)
    starts = np.flatnonzero(np.diff(position, prepend=-1))
    for start, end in zip(starts, [*starts[1:], len(values)], strict=True):
        row = ascending[position[start]]
        ranks[start:end] = len(row) - np.searchsorted(row, values[start:end], side="right") + 1
    return ranks


def _dense_bool(block: sparse.csr_array) -> np.ndarray:
    return np.asarray(block.toarray(), bool)


def _concatenate(parts: list[Candidates]) -> Candidates:
    if not parts:
        return Candidates.empty()
    columns = zip(*(part.fields() for part in parts), strict=True)
    return Candidates(*(np.concatenate(column) for column in columns))
