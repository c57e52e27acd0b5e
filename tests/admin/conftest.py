"""The admin tests reuse the pipeline's real worker processes."""

from tests.pipeline.conftest import processes  # noqa: F401  (the fixture, shared)
