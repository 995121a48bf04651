package io.treeline.jobs.models;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.jobs.JobsTestSupport.CliRun;
import io.treeline.jobs.TrainedSlice;
import io.treeline.modelpackage.ModelPackage;
import io.treeline.registry.ModelRef;
import io.treeline.registry.lake.LakeRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code models compile} gives a version registered without compiled-pipeline.bin (as an older
 * Treeline registered them) the very file training writes, and leaves a version that has it alone.
 */
class CompileModelTest {
  private static TempLake lake;

  @BeforeAll
  static void trainedModel() {
    lake = TrainedSlice.copy();
  }

  @AfterAll
  static void cleanUp() {
    lake.close();
  }

  @Test
  void compile_adds_the_file_training_writes_to_an_older_package_and_then_has_nothing_to_do() throws Exception {
    // The copy's registry points at the template's package (TrainedSlice), which other classes serve: put it back whatever happens.
    String source = new LakeRegistry(lake.layout(), new org.apache.hadoop.conf.Configuration()).resolve(ModelRef.parse(TrainedSlice.MODEL + "/1"))
        .source();
    Path registered = (source.startsWith("file:") ? Path.of(java.net.URI.create(source)) : Path.of(source)).resolve(ModelPackage.COMPILED_PIPELINE);
    byte[] written = Files.readAllBytes(registered);
    Files.delete(registered);
    Files.deleteIfExists(registered.resolveSibling("." + ModelPackage.COMPILED_PIPELINE + ".crc"));
    try {
      compileAndCompile(registered, written);
    } finally {
      Files.write(registered, written);
    }
  }

  private static void compileAndCompile(Path registered, byte[] written) throws Exception {
    CliRun added = cli(TrainedSlice.args(lake, "models", "compile", TrainedSlice.MODEL + "@champion"));
    assertThat(added.exitCode()).as(added.out() + added.err()).isZero();
    assertThat(added.out()).contains("Added compiled-pipeline.bin (" + written.length + " bytes) to " + TrainedSlice.MODEL + "/1");
    assertThat(Files.readAllBytes(registered)).as("the file training wrote, byte for byte").isEqualTo(written);

    CliRun again = cli(TrainedSlice.args(lake, "models", "compile", TrainedSlice.MODEL + "/1"));
    assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("has compiled-pipeline.bin already");

    byte[] damaged = written.clone();
    damaged[damaged.length / 2] ^= 1;
    Files.write(registered, damaged);
    Files.deleteIfExists(registered.resolveSibling("." + ModelPackage.COMPILED_PIPELINE + ".crc")); // damage that Hadoop's checksum does not catch first
    CliRun repaired = cli(TrainedSlice.args(lake, "models", "compile", TrainedSlice.MODEL + "/1"));
    assertThat(repaired.out()).as(repaired.out() + repaired.err()).contains("Added compiled-pipeline.bin");
    assertThat(Files.readAllBytes(registered)).as("a damaged file written anew").isEqualTo(written);
  }
}
