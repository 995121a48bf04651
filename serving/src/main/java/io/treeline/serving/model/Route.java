package io.treeline.serving.model;

import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What one served name answers with: its arms, each following its own reference and swapped on its
 * own, chosen per request by weight; and its shadows, scored beside the answer but never answering.
 * A request with a routing key always gets the same arm while the weights stay as they are (the key
 * is hashed onto the weights, the same way in every replica); one without gets a random arm.
 */
public final class Route {
  /** One arm and the version it serves now (null until loaded). */
  static final class Slot {
    final Arm arm;
    final boolean shadow;
    final AtomicReference<ServedModel> current = new AtomicReference<>();

    Slot(Arm arm, boolean shadow) {
      this.arm = arm;
      this.shadow = shadow;
    }
  }

  private final String name;
  private final List<Slot> arms = new ArrayList<>();
  private final List<Slot> shadows = new ArrayList<>();
  /** cumulative[i] is the sum of the weights of arms 0..i. */
  private final long[] cumulative;

  Route(ModelHost.Served served) {
    this.name = served.name();
    served.arms().forEach(arm -> arms.add(new Slot(arm, false)));
    served.shadows().forEach(arm -> shadows.add(new Slot(arm, true)));
    cumulative = new long[arms.size()];
    long sum = 0;
    for (int i = 0; i < arms.size(); i++) {
      sum += arms.get(i).arm.weight();
      cumulative[i] = sum;
    }
  }

  public String name() {
    return name;
  }

  /** How many arms answer requests (shadows not counted). */
  public int arms() {
    return arms.size();
  }

  List<Slot> slots() {
    List<Slot> all = new ArrayList<>(arms);
    all.addAll(shadows);
    return all;
  }

  /** The arm for a request: by {@code key}'s hash when there is one, else at random; in proportion to the weights either way. */
  public ServedModel pick(String key) {
    if (arms.size() == 1) {
      return loaded(arms.get(0));
    }
    long total = cumulative[cumulative.length - 1];
    long point = key == null ? ThreadLocalRandom.current().nextLong(total) : Long.remainderUnsigned(hash(key), total);
    for (int i = 0; i < cumulative.length; i++) {
      if (point < cumulative[i]) {
        return loaded(arms.get(i));
      }
    }
    throw new IllegalStateException("no arm for point " + point + " of " + total);
  }

  /** The first arm: what describes the served name (its inputs and outputs) where a protocol asks without predicting. */
  public ServedModel first() {
    return loaded(arms.get(0));
  }

  /** The arm serving {@code version}, for protocols whose path names one; 404 naming the versions served otherwise. */
  public ServedModel version(String version) {
    List<String> served = new ArrayList<>();
    for (Slot slot : arms) {
      ServedModel model = loaded(slot);
      if (Long.toString(model.version()).equals(version)) {
        return model;
      }
      served.add(Long.toString(model.version()));
    }
    throw ApiException.notFound("model '" + name + "' has no version '" + Quoted.cut(version) + "' served here; served: " + String.join(", ", served));
  }

  /** Each arm and shadow as /ready lists them: name, role, weight and the version it serves now. */
  public List<java.util.Map<String, Object>> describe() {
    List<java.util.Map<String, Object>> all = new ArrayList<>();
    for (Slot slot : slots()) {
      java.util.Map<String, Object> entry = new java.util.LinkedHashMap<>();
      entry.put("arm", slot.arm.name());
      entry.put("role", slot.shadow ? "shadow" : "arm");
      if (!slot.shadow) {
        entry.put("weight", slot.arm.weight());
      }
      ServedModel model = slot.current.get();
      if (model != null) {
        entry.put("registered_model", model.registeredModel());
        entry.put("version", model.version());
        entry.put("loaded_at", model.loadedAt().toString());
        entry.put("load_seconds", Math.round(model.loadSeconds() * 10) / 10.0);
      }
      all.add(entry);
    }
    return all;
  }

  /** The shadows' versions as they are now; empty without shadows. */
  public List<ServedModel> shadows() {
    if (shadows.isEmpty()) {
      return List.of();
    }
    List<ServedModel> loaded = new ArrayList<>(shadows.size());
    shadows.forEach(slot -> loaded.add(loaded(slot)));
    return loaded;
  }

  private ServedModel loaded(Slot slot) {
    ServedModel model = slot.current.get();
    if (model == null) {
      throw ApiException.unavailable("model '" + name + "' arm '" + slot.arm.name() + "' is not loaded yet: retry shortly");
    }
    return model;
  }

  boolean ready() {
    return arms.stream().allMatch(s -> s.current.get() != null) && shadows.stream().allMatch(s -> s.current.get() != null);
  }

  /**
   * 64-bit FNV-1a of the key's UTF-8 bytes, then SplitMix64's finalizer so that keys differing only
   * in their last characters (caller-1, caller-2) spread over the whole range. Fixed here, not
   * String.hashCode's 32 bits, so that every replica and every release assigns a key alike.
   */
  static long hash(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
