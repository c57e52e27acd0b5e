"""Benchmark of reviewer assignment on synthetic committees.

    .venv/bin/python bench/assignment.py [--sizes 1000x200,5000x1000,10000x2000] [--k 3]

For each size (proposals x reviewers), in a fresh process so peak memory is per size: builds a
committee with biomedical texts, organisations with e-mail domains, declared and recorded
conflicts and a total capacity of about 1.5 x k x proposals (--capacity-factor); runs
`plan_assignments`; recomputes every hard constraint independently; and compares with a greedy
first-come baseline on the same instance.
"""

import argparse
import resource
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from uuid import UUID

import numpy as np

from service.assignment import (
    AssignmentSettings,
    ProposalProfile,
    RecordedConflict,
    ReviewerProfile,
    check_pair,
    conflict_matrix,
    plan_assignments,
)
from service.assignment.affinity import TfidfAffinity
from service.assignment.candidates import CandidateScorer
from service.assignment.profiles import Bid, Preference
from service.assignment.solver import AssignmentPlan
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea

AREA_TERMS = {
    "oncology": "tumour lymphoma leukemia car-t checkpoint pd-1 metastasis carcinoma "
    "neoantigen radiotherapy chemotherapy sarcoma melanoma her2 egfr kras glioblastoma",
    "hematology": "anemia hemophilia thalassemia sickle platelet coagulation myeloma "
    "erythropoiesis transfusion thrombosis marrow stem-cell factor-viii neutropenia",
    "metabolic": "obesity insulin diabetes glucose lipid nash glp-1 adipose cholesterol "
    "triglyceride mitochondria ketone hepatic steatosis fructose",
    "infectious_disease": "antibiotic antiviral hiv tuberculosis malaria sepsis vaccine "
    "pathogen resistance bacterial fungal hepatitis influenza rsv microbiome",
    "ophthalmology": "retina macular glaucoma cornea uveitis intravitreal photoreceptor "
    "myopia optic retinopathy vegf cataract",
    "autoimmune": "lupus arthritis psoriasis crohn colitis sclerosis autoantibody "
    "interleukin il-6 il-17 tnf b-cell t-regulatory inflammation",
    "respiratory": "asthma copd fibrosis cystic lung airway bronchial pulmonary inhaled "
    "ventilation alveolar emphysema",
    "psychiatry": "depression schizophrenia anxiety bipolar psychosis ptsd serotonin "
    "dopamine ketamine cognition addiction",
    "endocrine": "thyroid cortisol growth-hormone pituitary adrenal estrogen testosterone "
    "osteoporosis parathyroid hormone",
    "neurology": "alzheimer parkinson epilepsy stroke migraine neuropathy amyloid tau "
    "neurodegeneration als huntington synapse",
    "cardiovascular": "heart failure arrhythmia hypertension atherosclerosis myocardial "
    "infarction cardiomyopathy statin anticoagulant atrial fibrillation",
    "urology": "prostate bladder kidney renal incontinence nephropathy dialysis urothelial",
    "other": "dermatology wound rare-disease pediatric geriatric pain",
}
METHODS = (
    "randomised controlled trial biomarker pharmacokinetics toxicology genomics proteomics "
    "imaging organoid mouse model cohort registry real-world evidence crispr sequencing "
    "formulation manufacturing scale-up endpoint safety efficacy dose escalation"
)
FILLER_TEXT = (
    "we propose to develop evaluate novel approach patients treatment study aims improve "
    "outcomes clinical programme first-in-class unmet need partner hospitals data"
)
METHOD_TERMS = [
    *METHODS.split(),
    *(m.value.replace("_", "-") for m in Modality),
    *(p.value for p in Phase),
]
FILLER = FILLER_TEXT.split()
AREAS = [a.value for a in TherapeuticArea]
AREA_WORDS = {area: AREA_TERMS[area].split() for area in AREAS}


def build_committee(
    n_proposals: int, n_reviewers: int, k: int, capacity_factor: float = 1.5, seed: int = 7
) -> tuple[list[ProposalProfile], list[ReviewerProfile], list[RecordedConflict]]:
    """A synthetic committee whose total capacity is about capacity_factor x k x proposals."""
    rng = np.random.default_rng(seed)

    def uid() -> UUID:
        return UUID(bytes=rng.bytes(16), version=4)

    def words(pool: list[str], n: int) -> list[str]:
        return [pool[i] for i in rng.integers(0, len(pool), n)]

    n_orgs = max(10, n_proposals // 10)
    orgs = [uid() for _ in range(n_orgs)]
    domains = [
        (f"org{i}.edu", f"med.org{i}.edu") if rng.random() < 0.3 else (f"org{i}.edu",)
        for i in range(n_orgs)
    ]

    mean_capacity = capacity_factor * k * n_proposals / n_reviewers
    reviewers = []
    for j in range(n_reviewers):
        areas = tuple(dict.fromkeys(AREAS[a] for a in rng.integers(0, len(AREAS), 2)))
        expertise = [w for area in areas for w in words(AREA_WORDS[area], 6)]
        expertise += words(METHOD_TERMS, 4)
        if rng.random() < 0.7:
            org = int(rng.integers(0, n_orgs))
            organisation_id: UUID | None = orgs[org]
            email = f"reviewer{j}@{'lab.' if rng.random() < 0.2 else ''}{domains[org][0]}"
        else:
            organisation_id, email = None, f"reviewer{j}@independent{j}.com"
        reviewer_declared = (
            (str(orgs[int(rng.integers(0, n_orgs))]),) if rng.random() < 0.05 else ()
        )
        reviewers.append(
            ReviewerProfile(
                id=uid(),
                email=email,
                organisation_id=organisation_id,
                expertise="expert in " + " ".join(expertise),
                areas=areas,
                capacity_remaining=int(
                    rng.integers(int(mean_capacity * 0.5), int(mean_capacity * 1.5) + 1)
                ),
                declared_conflicts=reviewer_declared,
                open_reviews=int(rng.integers(0, 3)),
            )
        )

    proposals = []
    for _ in range(n_proposals):
        org = int(rng.integers(0, n_orgs))
        area = AREAS[int(rng.integers(0, len(AREAS)))]
        text = words(AREA_WORDS[area], 20) + words(METHOD_TERMS, 10) + words(FILLER, 15)
        rng.shuffle(text)
        declared: list[str] = []
        if rng.random() < 0.05:
            declared.append(reviewers[int(rng.integers(0, n_reviewers))].email)
        if rng.random() < 0.02:
            declared.append(domains[int(rng.integers(0, n_orgs))][0])
        proposals.append(
            ProposalProfile(
                id=uid(),
                text=" ".join(text),
                therapeutic_area=area,
                organisation_id=orgs[org],
                organisation_domains=domains[org],
                declared_conflicts=tuple(declared),
                reviewers_needed=k,
            )
        )

    recorded = [
        RecordedConflict(
            reviewers[int(rng.integers(0, n_reviewers))].id,
            "admin: consulting contract",
            organisation_id=orgs[int(rng.integers(0, n_orgs))],
        )
        for _ in range(max(1, n_reviewers // 100))
    ] + [
        RecordedConflict(
            reviewers[int(rng.integers(0, n_reviewers))].id,
            "declined for conflict",
            proposal_id=proposals[int(rng.integers(0, n_proposals))].id,
        )
        for _ in range(max(1, n_proposals // 100))
    ]
    return proposals, reviewers, recorded


def violations(
    proposals: list[ProposalProfile],
    reviewers: list[ReviewerProfile],
    recorded: list[RecordedConflict],
    pairs: list[tuple[UUID, UUID]],
) -> dict[str, int]:
    """Hard-constraint violations, recomputed pair by pair with the scalar rule book."""
    proposal_by_id = {p.id: p for p in proposals}
    reviewer_by_id = {r.id: r for r in reviewers}
    recorded_by_reviewer: dict[UUID, list[RecordedConflict]] = {}
    for record in recorded:
        recorded_by_reviewer.setdefault(record.reviewer_id, []).append(record)
    load = Counter(reviewer_id for _, reviewer_id in pairs)
    per_proposal = Counter(proposal_id for proposal_id, _ in pairs)
    return {
        "conflict": sum(
            bool(check_pair(proposal_by_id[p], reviewer_by_id[r], recorded_by_reviewer.get(r, ())))
            for p, r in pairs
        ),
        "over capacity": sum(
            max(0, n - reviewer_by_id[r].capacity_remaining) for r, n in load.items()
        ),
        "duplicate": len(pairs) - len(set(pairs)),
        "already assigned": sum(r in proposal_by_id[p].already_assigned for p, r in pairs),
        "over k": sum(
            max(0, n - proposal_by_id[p].reviewers_needed) for p, n in per_proposal.items()
        ),
    }


def greedy(
    proposals: list[ProposalProfile],
    reviewers: list[ReviewerProfile],
    recorded: list[RecordedConflict],
    settings: AssignmentSettings,
) -> tuple[list[tuple[UUID, UUID]], float]:
    """First come, first served: each proposal in turn takes its best reviewers with room left."""
    scorer = CandidateScorer(
        proposals,
        reviewers,
        conflict_matrix(proposals, reviewers, recorded),
        TfidfAffinity(),
        area_bonus=settings.area_bonus,
        chunk_rows=settings.chunk_rows,
    )
    candidates = scorer.top(np.arange(len(proposals)), settings.top_k)
    order = np.lexsort((candidates.rank, candidates.proposal))
    room = [r.capacity_remaining for r in reviewers]
    taken = [0] * len(proposals)
    pairs, total = [], 0.0
    for p, r, a in zip(
        candidates.proposal[order].tolist(),
        candidates.reviewer[order].tolist(),
        candidates.affinity[order].tolist(),
        strict=True,
    ):
        if taken[p] < proposals[p].reviewers_needed and room[r] > 0:
            taken[p] += 1
            room[r] -= 1
            pairs.append((proposals[p].id, reviewers[r].id))
            total += a
    return pairs, total


def _bids(proposals: list[ProposalProfile], reviewers: list[ReviewerProfile]) -> list[Bid]:
    """Ten bids per reviewer on proposals of its areas, preferences drawn with a fixed seed."""
    rng = np.random.default_rng(7)
    by_area: dict[str, list[ProposalProfile]] = {}
    for proposal in proposals:
        by_area.setdefault(proposal.therapeutic_area, []).append(proposal)
    kinds = list(Preference)
    bids = []
    for reviewer in reviewers:
        pool = [p for area in reviewer.areas for p in by_area.get(area, [])] or proposals
        for i in rng.choice(len(pool), size=min(10, len(pool)), replace=False).tolist():
            bids.append(Bid(pool[i].id, reviewer.id, kinds[int(rng.integers(len(kinds)))]))
    return bids


def _loads(plan: AssignmentPlan, reviewers: list[ReviewerProfile]) -> np.ndarray:
    """New reviews per reviewer in the plan, every reviewer counted (none: 0)."""
    load = Counter(a.reviewer_id for a in plan.assignments)
    return np.array([load.get(r.id, 0) for r in reviewers])


def run(size: str, k: int, capacity_factor: float) -> str:
    """Benchmark one size; returns the report lines."""
    n_proposals, n_reviewers = (int(n) for n in size.lower().split("x"))
    settings = AssignmentSettings()
    started = time.perf_counter()
    proposals, reviewers, recorded = build_committee(n_proposals, n_reviewers, k, capacity_factor)
    generated = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The same instance without the balance penalty: the affinity optimum it trades against.
    # Solved first, so that it also warms what every solve shares (the vocabulary, the
    # allocator): the timed runs below compare warm with warm.
    started = time.perf_counter()
    unbalanced = plan_assignments(
        proposals, reviewers, recorded, settings=replace(settings, balance=0.0)
    )
    unbalanced_wall = time.perf_counter() - started
    started = time.perf_counter()
    plan = plan_assignments(proposals, reviewers, recorded, settings=settings)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The same instance with bids: each reviewer bids on ten proposals of its areas.
    bids = _bids(proposals, reviewers)
    started = time.perf_counter()
    with_bids = plan_assignments(proposals, reviewers, recorded, bids=bids, settings=settings)
    bids_wall = time.perf_counter() - started
    bid_of = {(b.proposal_id, b.reviewer_id): b.preference for b in bids}
    chosen_bids = Counter(
        str(bid_of.get((a.proposal_id, a.reviewer_id), "none")) for a in with_bids.assignments
    )

    # Upper bound: each proposal's best k eligible affinities, ignoring reviewer capacity.
    scorer = CandidateScorer(
        proposals,
        reviewers,
        conflict_matrix(proposals, reviewers, recorded),
        TfidfAffinity(),
        area_bonus=settings.area_bonus,
        chunk_rows=settings.chunk_rows,
    )
    best = scorer.top(np.arange(n_proposals), k)
    bound = float(best.affinity.astype(np.float64).sum())

    started = time.perf_counter()
    greedy_pairs, greedy_total = greedy(proposals, reviewers, recorded, settings)
    greedy_wall = time.perf_counter() - started

    pairs = [(a.proposal_id, a.reviewer_id) for a in plan.assignments]
    broken = violations(proposals, reviewers, recorded, pairs)
    greedy_broken = violations(proposals, reviewers, recorded, greedy_pairs)
    greedy_staffed = Counter(p for p, _ in greedy_pairs)
    greedy_short = sum(max(0, p.reviewers_needed - greedy_staffed[p.id]) for p in proposals)
    load_values = _loads(plan, reviewers)
    unbalanced_loads = _loads(unbalanced, reviewers)
    t = plan.timings
    return "\n".join(
        [
            f"== {n_proposals} proposals x {n_reviewers} reviewers, k = {k} "
            f"({n_proposals * n_reviewers / 1e6:g}M pairs; instance built in {generated:.1f} s)",
            f"  min-cost flow : wall {wall:.2f} s = affinity {t.affinity:.2f} + conflicts "
            f"{t.conflicts:.2f} + solve {t.solve:.2f}; peak RSS {peak:.0f} MiB "
            f"(instance alone {rss_before:.0f} MiB)",
            f"  assignments   : {len(pairs)} of {n_proposals * k}, unstaffed proposals "
            f"{len(plan.unstaffed)}, new load per reviewer min/mean/max "
            f"{load_values.min()}/{load_values.mean():.1f}/{load_values.max()} "
            f"(max/mean {load_values.max() / load_values.mean():.2f})",
            f"  total affinity: {plan.total_affinity:.1f} = {plan.total_affinity / bound:.2%} "
            f"of the upper bound {bound:.1f}",
            f"  unbalanced    : wall {unbalanced_wall:.2f} s, load min/mean/max "
            f"{unbalanced_loads.min()}/{unbalanced_loads.mean():.1f}/{unbalanced_loads.max()} "
            f"(max/mean {unbalanced_loads.max() / unbalanced_loads.mean():.2f}), total affinity "
            f"{unbalanced.total_affinity:.1f}: balancing keeps "
            f"{plan.total_affinity / unbalanced.total_affinity:.2%} of it",
            f"  with bids     : wall {bids_wall:.2f} s ({bids_wall / wall:.2f}x the run without), "
            f"{len(bids)} bids; assigned pairs by bid {dict(chosen_bids)}; conflict bids "
            f"assigned {chosen_bids.get(Preference.conflict, 0)}",
            f"  violations    : {broken}",
            f"  greedy        : wall {greedy_wall:.2f} s, total affinity {greedy_total:.1f} "
            f"({greedy_total / bound:.2%} of bound), {greedy_short} slots left empty, "
            f"violations {sum(greedy_broken.values())}",
            f"  ratio         : flow / greedy affinity {plan.total_affinity / greedy_total:.4f}, "
            f"time {wall / greedy_wall:.2f}x",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000x200,5000x1000,10000x2000")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument(
        "--capacity-factor",
        type=float,
        default=1.5,
        help="total capacity / (k x proposals); below 1 the committee cannot staff everything",
    )
    args = parser.parse_args()
    for size in args.sizes.split(","):
        # A fresh process per size, so the peak RSS reported is that size's own.
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            print(pool.submit(run, size, args.k, args.capacity_factor).result(), flush=True)


if __name__ == "__main__":
    main()
