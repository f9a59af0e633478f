"""Item pipelines, one step per module, ordered in ``ITEM_PIPELINES`` (crawler/settings.py).

Every step passes ``Reject`` items through untouched so the store can keep them.
"""
