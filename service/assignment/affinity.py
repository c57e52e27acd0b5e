"""How well a reviewer's expertise fits a proposal, behind a small replaceable interface.

A model encodes proposals and reviewers as row vectors whose dot product is the text affinity
(cosine similarity for L2-normalised rows). Encoding rather than scoring whole matrices lets the
candidate selection multiply one chunk of proposals at a time, so a 10,000 x 2,000 committee
never needs the full affinity matrix in memory; an embedding model fits the same interface.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from service.assignment.profiles import ProposalProfile, ReviewerProfile


class AffinityModel(Protocol):
    """Encodes both sides so that `proposal_vectors @ reviewer_vectors.T` is the text affinity."""

    def encode(
        self, proposals: Sequence[ProposalProfile], reviewers: Sequence[ReviewerProfile]
    ) -> tuple[Any, Any]:
        """(proposal rows, reviewer rows), each a numpy array or a scipy sparse matrix."""
        ...


@dataclass(frozen=True)
class TfidfAffinity:
    """TF-IDF cosine between proposal text and reviewer expertise, fitted on both corpora.

    Fitting on both sides gives terms that only reviewers use (or only applicants use) a
    sensible document frequency, and puts both in one vocabulary.
    """

    sublinear_tf: bool = True
    # Keeps hyphenated biomedical terms whole: "car-t", "il-6", "pd-1".
    token_pattern: str = r"(?u)\b\w[\w-]*\w\b"

    def encode(
        self, proposals: Sequence[ProposalProfile], reviewers: Sequence[ReviewerProfile]
    ) -> tuple[Any, Any]:
        """L2-normalised float32 TF-IDF rows for proposals and reviewers."""
        # Imported here: scikit-learn takes seconds to import, and every process (the API, beat,
        # `committee queue`) imports this module while only assignment jobs encode.
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            stop_words="english",
            sublinear_tf=self.sublinear_tf,
            token_pattern=self.token_pattern,
            dtype=np.float32,
        )
        corpus = [p.text for p in proposals] + [r.expertise for r in reviewers]
        try:
            vectors = vectorizer.fit_transform(corpus)
        except ValueError:
            # Only stop words or empty texts: nothing to compare, every text affinity is 0.
            empty = np.zeros((len(corpus), 1), np.float32)
            return empty[: len(proposals)], empty[len(proposals) :]
        return vectors[: len(proposals)], vectors[len(proposals) :]
