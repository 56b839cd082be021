"""The cycle collector during a batch: the heap frozen and the youngest generation collected
less often inside the block, both as they were afterwards, even when the batch fails."""
from __future__ import annotations

import gc
import weakref

import pytest

from orchestration.heap import BATCH_GENERATION0_THRESHOLD, collector_for_a_batch


def test_inside_a_batch_the_heap_is_frozen_and_collected_less_often():
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    with collector_for_a_batch():
        assert gc.get_threshold()[0] == max(thresholds[0], BATCH_GENERATION0_THRESHOLD)
        assert gc.get_threshold()[1:] == thresholds[1:]
        assert gc.get_freeze_count() > frozen
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == frozen


def test_a_heap_frozen_before_the_batch_stays_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_for_a_batch():
            pass
        assert gc.get_freeze_count() >= frozen > 0
    finally:
        gc.unfreeze()


def test_a_failing_batch_restores_the_collector_and_frees_its_cycles():
    thresholds = gc.get_threshold()

    class Node:
        pass

    with pytest.raises(ValueError):
        with collector_for_a_batch():
            raise ValueError("a batch that fails")
    assert gc.get_threshold() == thresholds
    # a cycle made before the batch was frozen with the heap, and is collected once it is over
    cycle = Node()
    cycle.self = cycle
    with collector_for_a_batch():
        pass
    alive = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert alive() is None
