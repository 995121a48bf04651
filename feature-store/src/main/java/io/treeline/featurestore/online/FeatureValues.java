package io.treeline.featurestore.online;

import java.time.LocalDateTime;
import java.util.Map;

/**
 * One entity's latest feature values and the moment from which they are known. Values are Long,
 * Double, String, Boolean or null, keyed by feature name.
 */
public record FeatureValues(LocalDateTime featureTime, Map<String, Object> values) {}
