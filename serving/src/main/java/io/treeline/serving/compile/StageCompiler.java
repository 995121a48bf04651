package io.treeline.serving.compile;

import io.treeline.serving.compile.Slots.Kind;
import io.treeline.serving.compile.Slots.Slot;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.feature.MinMaxScalerModel;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorIndexerModel;
import org.apache.spark.ml.param.shared.HasInputCol;
import org.apache.spark.ml.param.shared.HasInputCols;
import org.apache.spark.ml.param.shared.HasOutputCol;
import org.apache.spark.ml.param.shared.HasOutputCols;

/**
 * Turns one fitted feature stage into a {@link CompiledStage} that does what Spark's
 * {@code transform} does to a row, with the same arithmetic; anything else is refused by name.
 */
final class StageCompiler {
  private final Slots slots;

  StageCompiler(Slots slots) {
    this.slots = slots;
  }

  CompiledStage compile(Transformer stage, String name) {
    if (stage instanceof ImputerModel m) {
      return imputer(m, name);
    }
    if (stage instanceof StringIndexerModel m) {
      return stringIndexer(m, name);
    }
    if (stage instanceof OneHotEncoderModel m) {
      return oneHot(m, name);
    }
    if (stage instanceof VectorAssembler m) {
      return assembler(m, name);
    }
    if (stage instanceof StandardScalerModel m) {
      return standardScaler(m, name);
    }
    if (stage instanceof MinMaxScalerModel m) {
      return minMaxScaler(m, name);
    }
    if (stage instanceof Bucketizer m) {
      return bucketizer(m, name);
    }
    if (stage instanceof VectorIndexerModel m) {
      return vectorIndexer(m, name);
    }
    throw new UnsupportedStageException(name + " (" + stage.getClass().getSimpleName() + ") is not supported for serving; supported: "
        + "StringIndexer, OneHotEncoder, VectorAssembler, Imputer, StandardScaler, MinMaxScaler, Bucketizer, VectorIndexer, "
        + "and RandomForest, DecisionTree and GBT classifiers and regressors as the last stage");
  }

  /** A column the stage reads: an earlier stage's output, or else a pipeline input of the kind it needs. */
  private Slot read(String column, Kind kind, String stage) {
    return slots.has(column) ? slots.require(column, kind, stage) : slots.input(column, kind);
  }

  private CompiledStage imputer(ImputerModel m, String name) {
    String[] in = inputs(m, name);
    String[] out = outputs(m, name);
    double[] surrogates = m.surrogates();
    double missing = m.getMissingValue();
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

  private CompiledStage stringIndexer(StringIndexerModel m, String name) {
    String[] in = inputs(m, name);
    String[] out = outputs(m, name);
    String[][] labels = m.labelsArray();
    String invalid = m.getHandleInvalid();
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

  private CompiledStage oneHot(OneHotEncoderModel m, String name) {
    String[] in = inputs(m, name);
    String[] out = outputs(m, name);
    int[] sizes = m.categorySizes();
    boolean keep = m.getHandleInvalid().equals("keep");
    boolean dropLast = m.getDropLast();
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
        double[] vector = new double[vectorSizes[i]];
        if (index < vector.length) {
          vector[index] = 1.0;
        }
        frame.vectors[to[i]] = vector;
      }
    };
  }

  private CompiledStage assembler(VectorAssembler m, String name) {
    String[] in = m.getInputCols();
    Slot[] from = new Slot[in.length];
    for (int i = 0; i < in.length; i++) {
      from[i] = slots.has(in[i]) ? slots.get(in[i], name) : slots.input(in[i], Kind.NUMBER);
      if (from[i].kind() == Kind.STRING) {
        throw new UnsupportedStageException(name + " assembles the string column '" + in[i] + "'");
      }
    }
    int to = slots.add(m.getOutputCol(), Kind.VECTOR).index();
    boolean keepNaN = m.getHandleInvalid().equals("keep");
    return frame -> {
      int size = 0;
      for (Slot slot : from) {
        size += slot.kind() == Kind.NUMBER ? 1 : frame.vectors[slot.index()].length;
      }
      double[] out = new double[size];
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

  private CompiledStage standardScaler(StandardScalerModel m, String name) {
    int from = read(m.getInputCol(), Kind.VECTOR, name).index();
    int to = slots.add(m.getOutputCol(), Kind.VECTOR).index();
    double[] mean = m.mean().toArray();
    double[] std = m.std().toArray();
    boolean withMean = m.getWithMean();
    boolean withStd = m.getWithStd();
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

  private CompiledStage minMaxScaler(MinMaxScalerModel m, String name) {
    int from = read(m.getInputCol(), Kind.VECTOR, name).index();
    int to = slots.add(m.getOutputCol(), Kind.VECTOR).index();
    double[] min = m.originalMin().toArray();
    double[] max = m.originalMax().toArray();
    double scale = m.getMax() - m.getMin();
    double minValue = m.getMin();
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

  private CompiledStage bucketizer(Bucketizer m, String name) {
    boolean multi = m.isSet(m.inputCols());
    String[] in = multi ? m.getInputCols() : new String[] {m.getInputCol()};
    String[] out = multi ? m.getOutputCols() : new String[] {m.getOutputCol()};
    double[][] splits = multi ? m.getSplitsArray() : new double[][] {m.getSplits()};
    boolean keep = m.getHandleInvalid().equals("keep");
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

  private CompiledStage vectorIndexer(VectorIndexerModel m, String name) {
    int from = read(m.getInputCol(), Kind.VECTOR, name).index();
    int to = slots.add(m.getOutputCol(), Kind.VECTOR).index();
    Map<Integer, Map<Double, Integer>> maps = new HashMap<>();
    m.javaCategoryMaps().forEach((feature, categories) -> {
      Map<Double, Integer> map = new HashMap<>();
      categories.forEach(map::put);
      maps.put(feature, map);
    });
    String invalid = m.getHandleInvalid();
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
          throw new InvalidRowException(m.getInputCol(), "feature " + i + " of '" + m.getInputCol() + "' = " + v[i] + " is a category not seen in training");
        }
      }
      frame.vectors[to] = v;
    };
  }

  private static String[] inputs(Object stage, String name) {
    if (stage instanceof HasInputCols multi && multi.isSet(multi.inputCols())) {
      return multi.getInputCols();
    }
    if (stage instanceof HasInputCol single) {
      return new String[] {single.getInputCol()};
    }
    throw new UnsupportedStageException(name + " has no input columns");
  }

  private static String[] outputs(Object stage, String name) {
    if (stage instanceof HasOutputCols multi && multi.isSet(multi.outputCols())) {
      return multi.getOutputCols();
    }
    if (stage instanceof HasOutputCol single) {
      return new String[] {single.getOutputCol()};
    }
    throw new UnsupportedStageException(name + " has no output columns");
  }
}
