"""Method 1 (prospect-2021.1), kept so that its stored reports stay readable and comparable.

Superseded by method 2 (see `service.analysis.prospect`): it multiplied an area effect by a
modality effect. New reports never use it; `bench/analysis.py` times it as the baseline.
"""
