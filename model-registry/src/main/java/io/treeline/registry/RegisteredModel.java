package io.treeline.registry;

import java.util.Map;

/** A registered model: its newest version and where its aliases point. */
public record RegisteredModel(String name, long latestVersion, Map<String, Long> aliases) {}
