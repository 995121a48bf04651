package io.treeline.jobs.s3;

import static io.treeline.jobs.JobsTestSupport.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.S3Lake;
import io.treeline.core.testing.S3Server;
import io.treeline.jobs.JobsTestSupport.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where S3 credentials come from and that they never show: `treeline doctor` (which writes a probe
 * object to the lake) in a JVM of its own, as bin/treeline starts it, with credentials only in the
 * environment or only in a profile; static keys through --conf with --verbose and --summary-json;
 * and SSE-S3 reaching the server as a request header.
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
    assertThat(lake.keys("")).isEmpty(); // the probe object is deleted again
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
    List<String> args = new ArrayList<>(List.of("--verbose", "--summary-json", summary.toString(), "doctor"));
    args.addAll(lake.confArgs());

    CliRun run = cli(args.toArray(String[]::new));
    args.addAll(List.of("--conf", "lake.root=s3a://no-such-bucket-treeline/lake"));
    CliRun missing = cli(args.toArray(String[]::new));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out() + run.err()).doesNotContain(S3Server.SECRET_KEY);
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.out() + missing.err()).contains("Cannot write lake root s3a://no-such-bucket-treeline/lake")
        .doesNotContain(S3Server.SECRET_KEY);
    assertThat(Files.readString(summary)).doesNotContain(S3Server.SECRET_KEY);
  }

  @Test
  void sse_s3_reaches_the_server_as_a_request_header() {
    // This server refuses headers it does not implement, server-side encryption among them.
    try (S3Server strict = S3Server.strict()) {
      S3Lake lake = new S3Lake(strict);
      List<String> plain = new ArrayList<>(List.of("doctor"));
      plain.addAll(lake.confArgs());
      List<String> encrypted = new ArrayList<>(plain);
      encrypted.addAll(List.of("--conf", "lake.s3.server-side-encryption=SSE-S3"));

      CliRun withoutEncryption = cli(plain.toArray(String[]::new));
      CliRun withEncryption = cli(encrypted.toArray(String[]::new));

      assertThat(withoutEncryption.exitCode()).as(withoutEncryption.out() + withoutEncryption.err()).isZero();
      assertThat(withEncryption.exitCode()).as(withEncryption.out()).isEqualTo(2);
      assertThat(withEncryption.err()).contains("Cannot write lake root " + lake.root()).containsIgnoringCase("not implemented");
    }
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
