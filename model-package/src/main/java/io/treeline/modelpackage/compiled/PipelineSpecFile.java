package io.treeline.modelpackage.compiled;

import io.treeline.core.error.Errors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The binary form of a {@link PipelineSpec} in a model package ({@code compiled-pipeline.bin}), read
 * by a server without Spark. Layout (big-endian, docs/registry.md#the-compiled-pipeline):
 *
 * <pre>
 * "TLCP"            4 bytes
 * format version    int, {@link #FORMAT_VERSION}
 * stages            int count, then per stage its type name and fields
 * predictor         kind name, features column, numFeatures, numClasses, thresholds, tree weights, trees
 * checksum          long, CRC-32C of every byte before it
 * </pre>
 *
 * A string is an int byte length (-1 for null) and its UTF-8; an array an int length (-1 for null)
 * and its elements; a tree its node count and nodes in pre-order, each a tag (0 leaf: prediction,
 * stats; 1 continuous split: feature, threshold, right; 2 categorical split: feature, left
 * categories, category count, right). Doubles keep their exact bits.
 */
public final class PipelineSpecFile {
  /** Goes up whenever a reader of the previous version would misread a new file. */
  public static final int FORMAT_VERSION = 1;

  private static final byte[] MAGIC = "TLCP".getBytes(StandardCharsets.US_ASCII);
  private static final int LEAF = 0;
  private static final int CONTINUOUS = 1;
  private static final int CATEGORICAL = 2;

  private PipelineSpecFile() {}

  public static byte[] write(PipelineSpec spec) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeInt(FORMAT_VERSION);
      out.writeInt(spec.stages().size());
      for (StageSpec stage : spec.stages()) {
        writeStage(out, stage);
      }
      writePredictor(out, spec.predictor());
      out.flush();
      CRC32C crc = new CRC32C();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory stream does not fail
    }
    return bytes.toByteArray();
  }

  /** Reads a file written by {@link #write}, or fails naming {@code source} and what is wrong with it. */
  public static PipelineSpec read(byte[] file, String source) {
    if (file.length < MAGIC.length + 4 + 8 || !java.util.Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw unreadable(source, "it is not a compiled pipeline (no TLCP header)");
    }
    int version = ByteBuffer.wrap(file, MAGIC.length, 4).getInt();
    if (version != FORMAT_VERSION) {
      throw Errors.invalidInput("read", "the compiled pipeline " + source, "its format version is " + version + "; this Treeline reads "
          + FORMAT_VERSION, "Serve the model with the Treeline release that trained it, or train and register it again with this one.");
    }
    CRC32C crc = new CRC32C();
    crc.update(file, 0, file.length - 8);
    if (crc.getValue() != ByteBuffer.wrap(file, file.length - 8, 8).getLong()) {
      throw unreadable(source, "its checksum does not match its contents (the file is damaged or was cut short)");
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(file, MAGIC.length + 4, file.length - 8 - MAGIC.length - 4))) {
      int count = in.readInt();
      List<StageSpec> stages = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        stages.add(readStage(in));
      }
      PipelineSpec spec = new PipelineSpec(stages, readPredictor(in));
      if (in.available() != 0) {
        throw unreadable(source, in.available() + " bytes follow the pipeline");
      }
      return spec;
    } catch (EOFException e) {
      throw unreadable(source, "it ends in the middle of the pipeline");
    } catch (IOException | IllegalArgumentException e) {
      throw unreadable(source, e.getMessage());
    }
  }

  private static RuntimeException unreadable(String source, String problem) {
    return Errors.invalidInput("read", "the compiled pipeline " + source, problem,
        "Run `treeline models compile NAME/VERSION` for this version: it writes the file anew from the package's Spark ML model.");
  }

  private static void writeStage(DataOutputStream out, StageSpec stage) throws IOException {
    writeString(out, stage.getClass().getSimpleName());
    if (stage instanceof StageSpec.Imputer s) {
      writeStrings(out, s.inputs());
      writeStrings(out, s.outputs());
      writeDoubles(out, s.surrogates());
      out.writeDouble(s.missingValue());
    } else if (stage instanceof StageSpec.StringIndexer s) {
      writeStrings(out, s.inputs());
      writeStrings(out, s.outputs());
      out.writeInt(s.labels().length);
      for (String[] labels : s.labels()) {
        writeStrings(out, labels);
      }
      writeString(out, s.handleInvalid());
    } else if (stage instanceof StageSpec.OneHotEncoder s) {
      writeStrings(out, s.inputs());
      writeStrings(out, s.outputs());
      writeInts(out, s.categorySizes());
      writeString(out, s.handleInvalid());
      out.writeBoolean(s.dropLast());
    } else if (stage instanceof StageSpec.VectorAssembler s) {
      writeStrings(out, s.inputs());
      writeString(out, s.output());
      writeString(out, s.handleInvalid());
    } else if (stage instanceof StageSpec.StandardScaler s) {
      writeString(out, s.input());
      writeString(out, s.output());
      writeDoubles(out, s.mean());
      writeDoubles(out, s.std());
      out.writeBoolean(s.withMean());
      out.writeBoolean(s.withStd());
    } else if (stage instanceof StageSpec.MinMaxScaler s) {
      writeString(out, s.input());
      writeString(out, s.output());
      writeDoubles(out, s.originalMin());
      writeDoubles(out, s.originalMax());
      out.writeDouble(s.min());
      out.writeDouble(s.max());
    } else if (stage instanceof StageSpec.Bucketizer s) {
      writeStrings(out, s.inputs());
      writeStrings(out, s.outputs());
      out.writeInt(s.splits().length);
      for (double[] splits : s.splits()) {
        writeDoubles(out, splits);
      }
      writeString(out, s.handleInvalid());
    } else if (stage instanceof StageSpec.VectorIndexer s) {
      writeString(out, s.input());
      writeString(out, s.output());
      Map<Integer, Map<Double, Integer>> sorted = new TreeMap<>(s.categoryMaps());
      out.writeInt(sorted.size());
      for (Map.Entry<Integer, Map<Double, Integer>> feature : sorted.entrySet()) {
        out.writeInt(feature.getKey());
        Map<Double, Integer> categories = new TreeMap<>(feature.getValue());
        out.writeInt(categories.size());
        for (Map.Entry<Double, Integer> category : categories.entrySet()) {
          out.writeDouble(category.getKey());
          out.writeInt(category.getValue());
        }
      }
      writeString(out, s.handleInvalid());
    }
  }

  private static StageSpec readStage(DataInputStream in) throws IOException {
    String type = readString(in);
    return switch (type == null ? "" : type) {
      case "Imputer" -> new StageSpec.Imputer(readStrings(in), readStrings(in), readDoubles(in), in.readDouble());
      case "StringIndexer" -> {
        String[] inputs = readStrings(in);
        String[] outputs = readStrings(in);
        String[][] labels = new String[count(in)][];
        for (int i = 0; i < labels.length; i++) {
          labels[i] = readStrings(in);
        }
        yield new StageSpec.StringIndexer(inputs, outputs, labels, readString(in));
      }
      case "OneHotEncoder" -> new StageSpec.OneHotEncoder(readStrings(in), readStrings(in), readInts(in), readString(in), in.readBoolean());
      case "VectorAssembler" -> new StageSpec.VectorAssembler(readStrings(in), readString(in), readString(in));
      case "StandardScaler" -> new StageSpec.StandardScaler(readString(in), readString(in), readDoubles(in), readDoubles(in), in.readBoolean(),
          in.readBoolean());
      case "MinMaxScaler" -> new StageSpec.MinMaxScaler(readString(in), readString(in), readDoubles(in), readDoubles(in), in.readDouble(),
          in.readDouble());
      case "Bucketizer" -> {
        String[] inputs = readStrings(in);
        String[] outputs = readStrings(in);
        double[][] splits = new double[count(in)][];
        for (int i = 0; i < splits.length; i++) {
          splits[i] = readDoubles(in);
        }
        yield new StageSpec.Bucketizer(inputs, outputs, splits, readString(in));
      }
      case "VectorIndexer" -> {
        String input = readString(in);
        String output = readString(in);
        Map<Integer, Map<Double, Integer>> maps = new TreeMap<>();
        int features = count(in);
        for (int f = 0; f < features; f++) {
          int feature = in.readInt();
          Map<Double, Integer> categories = new TreeMap<>();
          int n = count(in);
          for (int c = 0; c < n; c++) {
            categories.put(in.readDouble(), in.readInt());
          }
          maps.put(feature, categories);
        }
        yield new StageSpec.VectorIndexer(input, output, maps, readString(in));
      }
      default -> throw new IllegalArgumentException("it holds a stage of unknown type '" + type + "'");
    };
  }

  private static void writePredictor(DataOutputStream out, PredictorSpec p) throws IOException {
    writeString(out, p.kind().name());
    writeString(out, p.featuresColumn());
    out.writeInt(p.numFeatures());
    out.writeInt(p.numClasses());
    writeDoubles(out, p.thresholds());
    writeDoubles(out, p.treeWeights());
    out.writeInt(p.trees().size());
    for (TreeSpec tree : p.trees()) {
      out.writeInt(tree.nodes().size());
      for (TreeSpec.Node node : tree.nodes()) {
        if (node instanceof TreeSpec.Leaf leaf) {
          out.writeByte(LEAF);
          out.writeDouble(leaf.prediction());
          writeDoubles(out, leaf.stats());
        } else if (node instanceof TreeSpec.Split split && split.categorical()) {
          out.writeByte(CATEGORICAL);
          out.writeInt(split.feature());
          writeDoubles(out, split.leftCategories());
          out.writeInt(split.numCategories());
          out.writeInt(split.right());
        } else {
          TreeSpec.Split split = (TreeSpec.Split) node;
          out.writeByte(CONTINUOUS);
          out.writeInt(split.feature());
          out.writeDouble(split.threshold());
          out.writeInt(split.right());
        }
      }
    }
  }

  private static PredictorSpec readPredictor(DataInputStream in) throws IOException {
    String kind = readString(in);
    PredictorSpec.Kind parsed;
    try {
      parsed = PredictorSpec.Kind.valueOf(kind);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("it holds a model of unknown kind '" + kind + "'");
    }
    String features = readString(in);
    int numFeatures = in.readInt();
    int numClasses = in.readInt();
    double[] thresholds = readDoubles(in);
    double[] weights = readDoubles(in);
    int count = count(in);
    List<TreeSpec> trees = new ArrayList<>(count);
    for (int t = 0; t < count; t++) {
      trees.add(readTree(in, t));
    }
    return new PredictorSpec(parsed, features, numFeatures, numClasses, thresholds, weights, trees);
  }

  private static TreeSpec readTree(DataInputStream in, int t) throws IOException {
    int n = count(in);
    List<TreeSpec.Node> nodes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int tag = in.readByte();
      TreeSpec.Node node = switch (tag) {
        case LEAF -> new TreeSpec.Leaf(in.readDouble(), readDoubles(in));
        case CONTINUOUS -> new TreeSpec.Split(in.readInt(), in.readDouble(), null, 0, in.readInt());
        case CATEGORICAL -> new TreeSpec.Split(in.readInt(), Double.NaN, readDoubles(in), in.readInt(), in.readInt());
        default -> throw new IllegalArgumentException("tree " + t + " node " + i + " has the unknown tag " + tag);
      };
      // Children after their parent and inside the tree: a walk always ends at a leaf.
      if (node instanceof TreeSpec.Split split && (split.right() <= i + 1 || split.right() >= n || split.feature() < 0)) {
        throw new IllegalArgumentException("tree " + t + " node " + i + " has an invalid split");
      }
      nodes.add(node);
    }
    if (n == 0) {
      throw new IllegalArgumentException("tree " + t + " has no nodes");
    }
    return new TreeSpec(nodes);
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IllegalArgumentException("a count of " + n + " does not fit in the file");
    }
    return n;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > in.available()) {
      throw new IllegalArgumentException("a string of " + n + " bytes does not fit in the file");
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }

  private static void writeStrings(DataOutputStream out, String[] values) throws IOException {
    out.writeInt(values == null ? -1 : values.length);
    if (values != null) {
      for (String v : values) {
        writeString(out, v);
      }
    }
  }

  private static String[] readStrings(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    String[] values = new String[checked(n, in)];
    for (int i = 0; i < n; i++) {
      values[i] = readString(in);
    }
    return values;
  }

  private static void writeDoubles(DataOutputStream out, double[] values) throws IOException {
    out.writeInt(values == null ? -1 : values.length);
    if (values != null) {
      for (double v : values) {
        out.writeLong(Double.doubleToRawLongBits(v));
      }
    }
  }

  private static double[] readDoubles(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    double[] values = new double[checked(n, in)];
    for (int i = 0; i < n; i++) {
      values[i] = Double.longBitsToDouble(in.readLong());
    }
    return values;
  }

  private static void writeInts(DataOutputStream out, int[] values) throws IOException {
    out.writeInt(values == null ? -1 : values.length);
    if (values != null) {
      for (int v : values) {
        out.writeInt(v);
      }
    }
  }

  private static int[] readInts(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    int[] values = new int[checked(n, in)];
    for (int i = 0; i < n; i++) {
      values[i] = in.readInt();
    }
    return values;
  }

  private static int checked(int n, DataInputStream in) throws IOException {
    if (n < 0 || n > in.available()) {
      throw new IllegalArgumentException("an array of " + n + " values does not fit in the file");
    }
    return n;
  }
}
