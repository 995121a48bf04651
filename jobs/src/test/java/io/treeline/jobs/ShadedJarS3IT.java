package io.treeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** Spark distributions ship neither S3A nor the AWS SDK, so the spark-submit jar must carry them. */
class ShadedJarS3IT {
  private static final Path TARGET = Path.of("target");

  @Test
  void the_shaded_jar_carries_s3a_and_the_aws_sdk_pieces_and_the_spark_classpath_does_not() throws Exception {
    try (JarFile jar = new JarFile(TARGET.resolve("treeline-jobs.jar").toFile())) {
      for (String entry : List.of(
          "org/apache/hadoop/fs/s3a/S3AFileSystem.class",
          "software/amazon/awssdk/services/s3/S3Client.class",
          "software/amazon/awssdk/transfer/s3/S3TransferManager.class",
          "software/amazon/awssdk/services/sts/StsClient.class",
          "software/amazon/awssdk/auth/credentials/DefaultCredentialsProvider.class",
          "io/treeline/core/lake/AwsDefaultCredentials.class")) {
        assertThat(jar.getEntry(entry)).as(entry).isNotNull();
      }
    }
    String sparkClasspath = Files.readString(TARGET.resolve("launcher").resolve("spark-runtime-classpath.txt"));
    assertThat(sparkClasspath).doesNotContain("hadoop-aws", "awssdk");
  }
}
