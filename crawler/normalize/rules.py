"""The version of the cleaning and normalising rules, part of every posting's fingerprint.

A posting whose raw fields and rules version both equal the stored ones is not cleaned or
normalised again (``crawler/store/fingerprint.py``): its stored row is what these rules make
of what the board sent. So **bump ``RULES_VERSION`` by hand whenever a change to
``crawler/normalize/``, ``pipelines/clean.py`` or ``pipelines/normalize.py`` can change a
stored value** (a new reading, a fixed rule, a new field filled). The next crawl of each
board then re-processes every posting once, and the versions that writes are marked
``cause = 'rules'`` in ``job_versions`` (the ``job_changes`` view leaves them out).

``tests/test_unchanged.py::test_rules_output_is_pinned_to_the_rules_version`` fails when the
rules' output on the recorded fixtures changes while the version stays the same, and says
how to update ``tests/gold/rules_digest.json``. See docs/normalisation.md, "Rules version".
"""

RULES_VERSION = 2
