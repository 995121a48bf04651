package io.treeline.jobs.s3;

import io.treeline.core.lake.LakeHadoop;
import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.S3Lake;
import io.treeline.core.testing.S3Server;
import io.treeline.jobs.JobsTestSupport.CliRun;
import java.net.URI;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.s3a.S3AEncryptionMethods;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where S3 credentials come from and that they never show: `treeline doctor` (which writes a probe
 * object to the lake) in a JVM of its own, as bin/treeline starts it, with credentials only in the
 * environment or only in a profile; static keys through --conf with --verbose and --summary-json;
 * and the encryption settings reaching S3A.
 */
class S3CredentialsTest {
  @TempDir Path dir;

  @Test
  void keys_from_the_environment_are_used_and_never_printed() throws Exception {
    S3Lake lake = new S3Lake();

    Run good = doctor(lake, Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY));
    Run wrong = doctor(lake, Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", "wrong-secret-0815"));

    assertThat(good.exitCode()).as(good.output()).isZero();
    assertThat(good.output()).containsPattern("lake +OK +" + lake.root() + " is writable")
        .contains("(endpoint " + lake.server().endpoint() + ", region us-east-1, server-side encryption none)")
        .doesNotContain(S3Server.SECRET_KEY);
    assertThat(lake.keys("")).noneMatch(key -> key.contains("write-probe")); // the probe object is deleted again
    assertThat(wrong.exitCode()).as(wrong.output()).isEqualTo(2);
    assertThat(wrong.output()).contains("Cannot write lake root " + lake.root()).doesNotContain("wrong-secret-0815");
  }

  @Test
  void a_profile_is_used_and_never_printed() throws Exception {
    S3Lake lake = new S3Lake();
    Path credentials = Files.writeString(dir.resolve("credentials"),
        "[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n\n"
            + "[treeline-test]\naws_access_key_id = " + S3Server.ACCESS_KEY + "\naws_secret_access_key = " + S3Server.SECRET_KEY + "\n");

    Run run = doctor(lake, Map.of("AWS_SHARED_CREDENTIALS_FILE", credentials.toString(), "AWS_PROFILE", "treeline-test"));
    Run defaultProfile = doctor(lake, Map.of("AWS_SHARED_CREDENTIALS_FILE", credentials.toString()));

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output()).containsPattern("lake +OK +" + lake.root() + " is writable").doesNotContain(S3Server.SECRET_KEY);
    assertThat(defaultProfile.exitCode()).as(defaultProfile.output()).isEqualTo(2);
    assertThat(defaultProfile.output()).doesNotContain("nothing\n").doesNotContain(S3Server.SECRET_KEY);
  }

  @Test
  void static_keys_never_show_in_verbose_output_errors_or_the_summary() throws Exception {
    S3Lake lake = new S3Lake();
    Path summary = dir.resolve("doctor.json");
    // JSON logs follow System.err, so what Spark, Hadoop and Treeline log is in what the assertions read.
    List<String> args = new ArrayList<>(List.of("--verbose", "--log-format", "json", "--summary-json", summary.toString(), "doctor"));
    args.addAll(lake.confArgs());

    // The tests' log configuration keeps treeline.* at WARN; conf/log4j2.xml logs them at INFO.
    Configurator.setLevel("treeline", Level.INFO);
    CliRun run;
    CliRun missing;
    try {
      run = cli(args.toArray(String[]::new));
      args.addAll(List.of("--conf", "lake.root=s3a://no-such-bucket-treeline/lake"));
      missing = cli(args.toArray(String[]::new));
    } finally {
      Configurator.setLevel("treeline", Level.WARN);
    }

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).contains("\"logger\":\"treeline.cli\"");
    assertThat(run.out() + run.err()).doesNotContain(S3Server.SECRET_KEY);
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.out() + missing.err()).contains("Cannot write lake root s3a://no-such-bucket-treeline/lake")
        .doesNotContain(S3Server.SECRET_KEY);
    assertThat(Files.readString(summary)).doesNotContain(S3Server.SECRET_KEY);
  }

  @Test
  void sse_s3_is_the_encryption_of_the_lakes_filesystem_and_doctor_shows_it() throws Exception {
    S3Lake lake = new S3Lake();
    List<String> args = new ArrayList<>(List.of("doctor"));
    args.addAll(lake.confArgs());
    args.addAll(List.of("--conf", "lake.s3.server-side-encryption=SSE-S3"));

    CliRun run = cli(args.toArray(String[]::new));
    var config = lake.config(Map.of("lake.s3.server-side-encryption", "SSE-S3"));
    var fs = (S3AFileSystem) FileSystem.newInstance(URI.create(lake.root()), LakeHadoop.configuration(config));

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("server-side encryption SSE-S3)");
    // S3Proxy accepts and ignores the x-amz-server-side-encryption header, so what a real bucket would
    // record cannot be read back here; the filesystem that writes every object is set to send it.
    assertThat(fs.getS3EncryptionAlgorithm()).isEqualTo(S3AEncryptionMethods.SSE_S3);
    fs.close();
  }

  @Test
  void sse_kms_without_a_key_stops_every_command_with_what_to_set() {
    S3Lake lake = new S3Lake();
    List<String> args = new ArrayList<>(List.of("doctor"));
    args.addAll(lake.confArgs());
    args.addAll(List.of("--conf", "lake.s3.server-side-encryption=SSE-KMS"));

    CliRun run = cli(args.toArray(String[]::new));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot use lake.s3.server-side-encryption SSE-KMS: lake.s3.kms-key-id is empty",
        "Set lake.s3.kms-key-id to the KMS key's ID, alias or ARN, or choose SSE-S3.");
  }

  private record Run(int exitCode, String output) {}

  /** `treeline doctor` in a JVM of its own with only {@code env} as AWS credentials: no keys in the settings. */
  private Run doctor(S3Lake lake, Map<String, String> env) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(Files.readString(Path.of("target", "launcher", "jvm-flags.txt")).trim().split("\\s+")));
    command.add("-Xmx512m");
    command.add("-Dlog4j2.configurationFile=" + Path.of("..", "conf", "log4j2.xml").toAbsolutePath());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.treeline.jobs.Main", "doctor"));
    lake.settingsWithoutCredentials().forEach((k, v) -> command.addAll(List.of("--conf", k + "=" + v)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("TREELINE_"));
    // Never the machine's own ~/.aws files: an empty config and, unless given, an empty credentials file.
    builder.environment().put("AWS_CONFIG_FILE", Files.writeString(dir.resolve("config-" + System.nanoTime()), "").toString());
    builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", Files.writeString(dir.resolve("empty-" + System.nanoTime()), "").toString());
    builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("doctor took too long:\n" + output);
    }
    return new Run(process.exitValue(), output);
  }
}
