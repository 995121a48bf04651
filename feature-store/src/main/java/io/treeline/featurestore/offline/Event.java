package io.treeline.featurestore.offline;

/** One source row of an entity: when it became known (microseconds) and its feature values. */
record Event(long availableAt, Object[] values) {}
