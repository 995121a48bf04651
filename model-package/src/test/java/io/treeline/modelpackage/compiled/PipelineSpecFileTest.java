package io.treeline.modelpackage.compiled;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.TreelineException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compiled pipeline file: every stage and node kind read back bit for bit, and damage refused by name. */
class PipelineSpecFileTest {
  private static final double[] EXTREMES = {-0.0, 0.0, Double.NaN, Double.longBitsToDouble(0x7ff8_0000_0000_0001L), 1e16, 1.0,
      Double.MIN_VALUE, Double.MAX_VALUE, Double.NEGATIVE_INFINITY, (double) Long.MAX_VALUE, 1.7e12};

  private static PipelineSpec everyKind() {
    List<StageSpec> stages = List.of(
        new StageSpec.Imputer(new String[] {"a", "b"}, new String[] {"a_i", "b_i"}, EXTREMES.clone(), Double.NaN),
        new StageSpec.StringIndexer(new String[] {"origin"}, new String[] {"origin_ix"}, new String[][] {{"SFO", "", "Zürich ✈", "null"}}, "keep"),
        new StageSpec.OneHotEncoder(new String[] {"origin_ix"}, new String[] {"origin_vec"}, new int[] {5}, "error", true),
        new StageSpec.Bucketizer(new String[] {"a_i"}, new String[] {"a_b"}, new double[][] {{Double.NEGATIVE_INFINITY, -0.0, 3, Double.POSITIVE_INFINITY}},
            "keep"),
        new StageSpec.VectorAssembler(new String[] {"a_i", "a_b", "origin_vec"}, "raw", "keep"),
        new StageSpec.StandardScaler("raw", "std", EXTREMES.clone(), EXTREMES.clone(), true, false),
        new StageSpec.MinMaxScaler("std", "mm", EXTREMES.clone(), EXTREMES.clone(), -1, 1),
        new StageSpec.VectorIndexer("mm", "features", Map.of(2, Map.of(0.0, 0, -0.0, 1, 7.5, 2)), "skip"));
    TreeSpec tree = new TreeSpec(List.of(
        new TreeSpec.Split(0, -0.0, null, 0, 4),
        new TreeSpec.Split(2, Double.NaN, new double[] {0, 2}, 3, 3),
        new TreeSpec.Leaf(1.0, new double[] {3, 1e16}),
        new TreeSpec.Leaf(0.0, null),
        new TreeSpec.Leaf(Double.longBitsToDouble(0x8000_0000_0000_0000L), new double[] {Double.MIN_VALUE, 0})));
    return new PipelineSpec(stages, new PredictorSpec(PredictorSpec.Kind.GBT_CLASSIFIER, "features", 3, 2, new double[] {0.3, 0.7},
        new double[] {1.0, 0.1}, List.of(tree, tree)));
  }

  @Test
  void every_stage_and_node_kind_reads_back_bit_for_bit() {
    byte[] file = PipelineSpecFile.write(everyKind());
    PipelineSpec read = PipelineSpecFile.read(file, "p.bin");
    assertThat(PipelineSpecFile.write(read)).as("a second write of what was read").isEqualTo(file);
    StageSpec.Imputer imputer = (StageSpec.Imputer) read.stages().get(0);
    for (int i = 0; i < EXTREMES.length; i++) {
      assertThat(Double.doubleToRawLongBits(imputer.surrogates()[i])).isEqualTo(Double.doubleToRawLongBits(EXTREMES[i]));
    }
    assertThat(((StageSpec.StringIndexer) read.stages().get(1)).labels()[0]).containsExactly("SFO", "", "Zürich ✈", "null");
    assertThat(((StageSpec.VectorIndexer) read.stages().get(7)).categoryMaps().get(2)).containsEntry(-0.0, 1).containsEntry(0.0, 0).hasSize(3);
    TreeSpec.Split categorical = (TreeSpec.Split) read.predictor().trees().get(1).nodes().get(1);
    assertThat(categorical.categorical()).isTrue();
    assertThat(categorical.leftCategories()).containsExactly(0, 2);
    assertThat(categorical.rightCategories()).containsExactly(1);
    assertThat(((TreeSpec.Leaf) read.predictor().trees().get(0).nodes().get(3)).stats()).isNull();
    assertThat(read.predictor().trees().get(0).depth(0)).isEqualTo(2);
    assertThat(read.predictor().kind()).isEqualTo(PredictorSpec.Kind.GBT_CLASSIFIER);
    assertThat(read.predictor().thresholds()).containsExactly(0.3, 0.7);
  }

  @Test
  void a_damaged_cut_or_foreign_file_is_refused_naming_the_file() {
    byte[] file = PipelineSpecFile.write(everyKind());
    for (int at : new int[] {10, file.length / 2, file.length - 9}) {
      byte[] damaged = file.clone();
      damaged[at] ^= 0x10;
      assertThatThrownBy(() -> PipelineSpecFile.read(damaged, "m/compiled-pipeline.bin")).isInstanceOf(TreelineException.class)
          .hasMessageContaining("m/compiled-pipeline.bin").hasMessageContaining("checksum does not match");
    }
    assertThatThrownBy(() -> PipelineSpecFile.read(Arrays.copyOf(file, file.length - 100), "cut.bin")).isInstanceOf(TreelineException.class)
        .hasMessageContaining("cut.bin").hasMessageContaining("checksum");
    assertThatThrownBy(() -> PipelineSpecFile.read("PAR1 not ours at all".getBytes(), "x.parquet")).isInstanceOf(TreelineException.class)
        .hasMessageContaining("x.parquet").hasMessageContaining("not a compiled pipeline");
    byte[] newer = file.clone();
    ByteBuffer.wrap(newer, 4, 4).putInt(PipelineSpecFile.FORMAT_VERSION + 1);
    assertThatThrownBy(() -> PipelineSpecFile.read(newer, "new.bin")).isInstanceOf(TreelineException.class)
        .hasMessageContaining("format version is " + (PipelineSpecFile.FORMAT_VERSION + 1))
        .satisfies(e -> assertThat(((TreelineException) e).remedy()).contains("Treeline release that trained it"));
  }

  @Test
  void a_split_pointing_backwards_is_refused_even_with_a_good_checksum() {
    TreeSpec loop = new TreeSpec(List.of(new TreeSpec.Split(0, 1, null, 0, 1), new TreeSpec.Leaf(0, null)));
    byte[] file = PipelineSpecFile.write(new PipelineSpec(List.of(), new PredictorSpec(PredictorSpec.Kind.TREE_REGRESSOR, "f", 1, 0, null, null,
        List.of(loop))));
    assertThatThrownBy(() -> PipelineSpecFile.read(file, "loop.bin")).isInstanceOf(TreelineException.class)
        .hasMessageContaining("tree 0 node 0 has an invalid split");
  }
}
