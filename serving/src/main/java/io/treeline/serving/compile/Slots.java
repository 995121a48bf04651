package io.treeline.serving.compile;

import java.util.LinkedHashMap;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import java.util.Map;

/** Assigns every column a slot of its kind while a pipeline is compiled. */
final class Slots {
  enum Kind { NUMBER, STRING, VECTOR }

  record Slot(Kind kind, int index) {}

  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final Map<String, Slot> inputs = new LinkedHashMap<>();
  private final int[] counts = new int[Kind.values().length];

  Slot add(String column, Kind kind) {
    Slot slot = new Slot(kind, counts[kind.ordinal()]++);
    slots.put(column, slot);
    return slot;
  }

  boolean has(String column) {
    return slots.containsKey(column);
  }

  /** A column the pipeline reads from its caller. */
  Slot input(String column, Kind kind) {
    Slot slot = add(column, kind);
    inputs.put(column, slot);
    return slot;
  }

  Map<String, Slot> inputs() {
    return inputs;
  }

  /** The slot of a column a stage reads; it must have been written before. */
  Slot get(String column, String stage) {
    Slot slot = slots.get(column);
    if (slot == null) {
      throw new UnsupportedStageException(stage + " reads column '" + column + "', which no input or earlier stage provides");
    }
    return slot;
  }

  Slot require(String column, Kind kind, String stage) {
    Slot slot = get(column, stage);
    if (slot.kind() != kind) {
      throw new UnsupportedStageException(stage + " reads column '" + column + "' as a " + kind.name().toLowerCase()
          + ", but it holds a " + slot.kind().name().toLowerCase());
    }
    return slot;
  }

  Frame newFrame() {
    return new Frame(counts[0], counts[1], counts[2]);
  }
}
