package io.treeline.featurestore.online;

import java.time.Instant;
import java.time.LocalDateTime;

/**
 * How current a view is in the online store: the newest feature time written, the newest source time
 * (when the newest source row behind any entity's values became known: what the ttl and the staleness
 * metric measure age from), when the last write happened, and how many entities it holds. Nulls when
 * nothing has been written (the source time also when the writer gave none).
 */
public record Freshness(String view, LocalDateTime newestFeatureTime, LocalDateTime newestSourceTime, Instant lastWrite, long entities) {}
