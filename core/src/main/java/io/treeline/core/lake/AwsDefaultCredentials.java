package io.treeline.core.lake;

import java.io.Closeable;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The AWS SDK's default credentials chain — system properties, environment, web identity token
 * (IRSA, assumed role via STS), profile, container, instance — as an S3A credentials provider.
 * S3A's own default list has neither profiles nor web identity. Each filesystem gets its own chain
 * rather than the SDK's process-wide singleton, which remembers the first source that worked and
 * never looks again.
 */
public final class AwsDefaultCredentials implements AwsCredentialsProvider, Closeable {
  private final DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();

  @Override
  public AwsCredentials resolveCredentials() {
    return chain.resolveCredentials();
  }

  @Override
  public void close() {
    chain.close();
  }

  @Override
  public String toString() {
    return "AWS default credentials chain";
  }
}
