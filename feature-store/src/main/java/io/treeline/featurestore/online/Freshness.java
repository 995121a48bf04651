package io.treeline.featurestore.online;

import java.time.Instant;
import java.time.LocalDateTime;

/**
 * How current a view is in the online store: the newest feature time written, when the last write
 * happened, and how many entities it holds. Nulls when nothing has been written.
 */
public record Freshness(String view, LocalDateTime newestFeatureTime, Instant lastWrite, long entities) {}
