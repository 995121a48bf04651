package io.treeline.serving.compile;

import io.treeline.modelpackage.compiled.StageSpec;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import io.treeline.serving.compile.Slots.Kind;
import io.treeline.serving.compile.Slots.Slot;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns one fitted feature stage into a {@link CompiledStage} that does what Spark's
 * {@code transform} does to a row, with the same arithmetic.
 */
final class StageCompiler {
  private final Slots slots;

  StageCompiler(Slots slots) {
    this.slots = slots;
  }

  CompiledStage compile(StageSpec stage, String name) {
    if (stage instanceof StageSpec.Imputer m) {
      return imputer(m, name);
    }
    if (stage instanceof StageSpec.StringIndexer m) {
      return stringIndexer(m, name);
    }
    if (stage instanceof StageSpec.OneHotEncoder m) {
      return oneHot(m, name);
    }
    if (stage instanceof StageSpec.VectorAssembler m) {
      return assembler(m, name);
    }
    if (stage instanceof StageSpec.StandardScaler m) {
      return standardScaler(m, name);
    }
    if (stage instanceof StageSpec.MinMaxScaler m) {
      return minMaxScaler(m, name);
    }
    if (stage instanceof StageSpec.Bucketizer m) {
      return bucketizer(m, name);
    }
    return vectorIndexer((StageSpec.VectorIndexer) stage, name);
  }

  /** A column the stage reads: an earlier stage's output, or else a pipeline input of the kind it needs. */
  private Slot read(String column, Kind kind, String stage) {
    return slots.has(column) ? slots.require(column, kind, stage) : slots.input(column, kind);
  }

  private CompiledStage imputer(StageSpec.Imputer m, String name) {
    String[] in = m.inputs();
    String[] out = m.outputs();
    double[] surrogates = m.surrogates();
    double missing = m.missingValue();
    int[] from = new int[in.length];
    int[] to = new int[in.length];
    for (int i = 0; i < in.length; i++) {
      from[i] = read(in[i], Kind.NUMBER, name).index();
      to[i] = slots.add(out[i], Kind.NUMBER).index();
    }
    boolean missingIsNaN = Double.isNaN(missing);
    return frame -> {
      for (int i = 0; i < from.length; i++) {
        double v = frame.numbers[from[i]];
        frame.numbers[to[i]] = Double.isNaN(v) || (!missingIsNaN && v == missing) ? surrogates[i] : v;
      }
    };
  }

  private CompiledStage stringIndexer(StageSpec.StringIndexer m, String name) {
    String[] in = m.inputs();
    String[] out = m.outputs();
    String[][] labels = m.labels();
    String invalid = m.handleInvalid();
    int[] from = new int[in.length];
    int[] to = new int[in.length];
    @SuppressWarnings("unchecked")
    Map<String, Integer>[] indexes = new Map[in.length];
    for (int i = 0; i < in.length; i++) {
      from[i] = read(in[i], Kind.STRING, name).index();
      to[i] = slots.add(out[i], Kind.NUMBER).index();
      indexes[i] = new HashMap<>();
      for (int j = 0; j < labels[i].length; j++) {
        indexes[i].put(labels[i][j], j);
      }
    }
    return frame -> {
      for (int i = 0; i < from.length; i++) {
        String value = frame.strings[from[i]];
        Integer index = value == null ? null : indexes[i].get(value);
        if (index != null) {
          frame.numbers[to[i]] = index;
        } else if (invalid.equals("keep")) {
          frame.numbers[to[i]] = labels[i].length;
        } else {
          throw new InvalidRowException(in[i], value == null ? "'" + in[i] + "' is missing, and the model was trained to refuse missing values"
              : "'" + in[i] + "' = '" + value + "' was not seen in training, and the model was trained to refuse unseen values");
        }
      }
    };
  }

  private CompiledStage oneHot(StageSpec.OneHotEncoder m, String name) {
    String[] in = m.inputs();
    String[] out = m.outputs();
    int[] sizes = m.categorySizes();
    boolean keep = m.handleInvalid().equals("keep");
    boolean dropLast = m.dropLast();
    int[] from = new int[in.length];
    int[] to = new int[in.length];
    int[] vectorSizes = new int[in.length];
    for (int i = 0; i < in.length; i++) {
      from[i] = read(in[i], Kind.NUMBER, name).index();
      to[i] = slots.add(out[i], Kind.VECTOR).index();
      vectorSizes[i] = sizes[i] + (keep ? 1 : 0) - (dropLast ? 1 : 0);
    }
    return frame -> {
      for (int i = 0; i < from.length; i++) {
        double label = frame.numbers[from[i]];
        int index;
        if (label >= 0 && label < sizes[i] && label == Math.rint(label)) {
          index = (int) label;
        } else if (keep) {
          index = sizes[i];
        } else {
          throw new InvalidRowException(in[i], "'" + in[i] + "' = " + label + " is not a category index seen in training");
        }
        double[] vector = reused(frame.vectors[to[i]], vectorSizes[i]);
        if (index < vector.length) {
          vector[index] = 1.0;
        }
        frame.vectors[to[i]] = vector;
      }
    };
  }

  /** The vector a reused frame already holds when it has the size, zeroed; else a new one. */
  private static double[] reused(double[] vector, int size) {
    if (vector == null || vector.length != size) {
      return new double[size];
    }
    java.util.Arrays.fill(vector, 0.0);
    return vector;
  }

  private CompiledStage assembler(StageSpec.VectorAssembler m, String name) {
    String[] in = m.inputs();
    Slot[] from = new Slot[in.length];
    for (int i = 0; i < in.length; i++) {
      from[i] = slots.has(in[i]) ? slots.get(in[i], name) : slots.input(in[i], Kind.NUMBER);
      if (from[i].kind() == Kind.STRING) {
        throw new UnsupportedStageException(name + " assembles the string column '" + in[i] + "'");
      }
    }
    int to = slots.add(m.output(), Kind.VECTOR).index();
    boolean keepNaN = m.handleInvalid().equals("keep");
    return frame -> {
      int size = 0;
      for (Slot slot : from) {
        size += slot.kind() == Kind.NUMBER ? 1 : frame.vectors[slot.index()].length;
      }
      double[] out = reused(frame.vectors[to], size);
      int at = 0;
      for (int i = 0; i < from.length; i++) {
        if (from[i].kind() == Kind.NUMBER) {
          double v = frame.numbers[from[i].index()];
          if (Double.isNaN(v) && !keepNaN) {
            throw new InvalidRowException(in[i], "'" + in[i] + "' is missing or NaN, which the model's VectorAssembler refuses");
          }
          out[at++] = v;
        } else {
          double[] v = frame.vectors[from[i].index()];
          System.arraycopy(v, 0, out, at, v.length);
          at += v.length;
        }
      }
      frame.vectors[to] = out;
    };
  }

  private CompiledStage standardScaler(StageSpec.StandardScaler m, String name) {
    int from = read(m.input(), Kind.VECTOR, name).index();
    int to = slots.add(m.output(), Kind.VECTOR).index();
    double[] mean = m.mean();
    double[] std = m.std();
    boolean withMean = m.withMean();
    boolean withStd = m.withStd();
    double[] inverse = new double[std.length];
    for (int i = 0; i < std.length; i++) {
      inverse[i] = std[i] != 0.0 ? 1.0 / std[i] : 0.0;
    }
    return frame -> {
      double[] v = frame.vectors[from].clone();
      for (int i = 0; i < v.length; i++) {
        if (withMean) {
          v[i] -= mean[i];
        }
        if (withStd) {
          v[i] *= inverse[i];
        }
      }
      frame.vectors[to] = v;
    };
  }

  private CompiledStage minMaxScaler(StageSpec.MinMaxScaler m, String name) {
    int from = read(m.input(), Kind.VECTOR, name).index();
    int to = slots.add(m.output(), Kind.VECTOR).index();
    double[] min = m.originalMin();
    double[] max = m.originalMax();
    double scale = m.max() - m.min();
    double minValue = m.min();
    double[] range = new double[min.length];
    for (int i = 0; i < min.length; i++) {
      range[i] = max[i] - min[i];
    }
    return frame -> {
      double[] v = frame.vectors[from].clone();
      for (int i = 0; i < v.length; i++) {
        if (!Double.isNaN(v[i])) {
          double raw = range[i] != 0 ? (v[i] - min[i]) / range[i] : 0.5;
          v[i] = raw * scale + minValue;
        }
      }
      frame.vectors[to] = v;
    };
  }

  private CompiledStage bucketizer(StageSpec.Bucketizer m, String name) {
    String[] in = m.inputs();
    String[] out = m.outputs();
    double[][] splits = m.splits();
    boolean keep = m.handleInvalid().equals("keep");
    int[] from = new int[in.length];
    int[] to = new int[in.length];
    for (int i = 0; i < in.length; i++) {
      from[i] = read(in[i], Kind.NUMBER, name).index();
      to[i] = slots.add(out[i], Kind.NUMBER).index();
    }
    return frame -> {
      for (int i = 0; i < from.length; i++) {
        double v = frame.numbers[from[i]];
        double[] s = splits[i];
        if (Double.isNaN(v)) {
          if (!keep) {
            throw new InvalidRowException(in[i], "'" + in[i] + "' is missing or NaN, which the model's Bucketizer refuses");
          }
          frame.numbers[to[i]] = s.length - 1;
        } else if (v == s[s.length - 1]) {
          frame.numbers[to[i]] = s.length - 2;
        } else {
          int found = Arrays.binarySearch(s, v);
          int bucket = found >= 0 ? found : -found - 2;
          if (bucket < 0 || bucket >= s.length - 1) {
            throw new InvalidRowException(in[i], "'" + in[i] + "' = " + v + " is outside the Bucketizer's splits [" + s[0] + ", " + s[s.length - 1] + "]");
          }
          frame.numbers[to[i]] = bucket;
        }
      }
    };
  }

  private CompiledStage vectorIndexer(StageSpec.VectorIndexer m, String name) {
    int from = read(m.input(), Kind.VECTOR, name).index();
    int to = slots.add(m.output(), Kind.VECTOR).index();
    Map<Integer, Map<Double, Integer>> maps = new HashMap<>(m.categoryMaps());
    String invalid = m.handleInvalid();
    return frame -> {
      double[] v = frame.vectors[from].clone();
      for (Map.Entry<Integer, Map<Double, Integer>> feature : maps.entrySet()) {
        int i = feature.getKey();
        Integer index = feature.getValue().get(v[i] == 0.0 ? 0.0 : v[i]); // -0.0 is category 0.0, as in Spark
        if (index != null) {
          v[i] = index;
        } else if (invalid.equals("keep")) {
          v[i] = feature.getValue().size();
        } else {
          throw new InvalidRowException(m.input(), "feature " + i + " of '" + m.input() + "' = " + v[i] + " is a category not seen in training");
        }
      }
      frame.vectors[to] = v;
    };
  }
}
