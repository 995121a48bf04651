package io.treeline.core.testing;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * An S3-compatible server (S3Proxy) in the test JVM on a free loopback port, keeping its objects in
 * memory and checking AWS signatures against one access key. {@link #shared()} is the JVM's one server;
 * it ignores headers it does not implement, server-side encryption among them.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "treeline-test-access";
  public static final String SECRET_KEY = "treeline-test-secret-7f3a9c";
  public static final String REGION = "us-east-1";

  private static S3Server shared;

  private final S3Proxy proxy;
  private final BlobStoreContext context;

  private S3Server() {
    try {
      // In memory, as S3 keeps keys: jclouds' filesystem store turns "dir/" marker objects into directories
      // that never list, so an empty directory made by S3A (a stream's checkpoint) would look missing.
      context = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
      proxy = S3Proxy.builder()
          .blobStore(context.getBlobStore())
          .endpoint(URI.create("http://127.0.0.1:0"))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
          .ignoreUnknownHeaders(true)
          .build();
      proxy.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!proxy.getState().equals("STARTED")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
        }
        Thread.sleep(10);
      }
    } catch (Exception e) {
      throw new IllegalStateException("Cannot start S3Proxy", e);
    }
  }

  /** The JVM's one server, started on first use and stopped at exit. */
  public static synchronized S3Server shared() {
    if (shared == null) {
      shared = new S3Server();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  public void createBucket(String bucket) {
    blobStore().createContainerInLocation(null, bucket);
  }

  /** Every object key in the bucket under {@code prefix}, read from the store itself, not through S3A. */
  public List<String> keys(String bucket, String prefix) {
    List<String> keys = new ArrayList<>();
    ListContainerOptions options = ListContainerOptions.Builder.recursive();
    if (!prefix.isEmpty()) {
      options.prefix(prefix);
    }
    String marker = null;
    do {
      if (marker != null) {
        options.afterMarker(marker);
      }
      var page = blobStore().list(bucket, options);
      for (StorageMetadata item : page) {
        if (item.getType() == StorageType.BLOB) {
          keys.add(item.getName());
        }
      }
      marker = page.getNextMarker();
    } while (marker != null);
    return keys;
  }

  private BlobStore blobStore() {
    return context.getBlobStore();
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      // stopping at exit: nothing left to do
    }
    context.close();
  }
}
