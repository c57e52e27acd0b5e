"""The committee dossier of one proposal, as a PDF in the reader's language.

`service.py` gathers what the reader may see through the same service functions and policy as
the API (the committee's copy names the reviewers; the applicant's has only what the applicant
may read); `pdf.py` writes it with the pages' Jinja2 templates and WeasyPrint.
"""
