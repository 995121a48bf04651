package io.treeline.jobs.stream;

import io.treeline.core.error.Errors;
import io.treeline.core.error.TreelineException;
import io.treeline.featurestore.stream.StreamSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends events to a Kafka topic, keyed so that each key's events stay in order in one partition.
 * The producer is idempotent with acks=all, so a retried batch is neither lost nor duplicated.
 */
final class KafkaEventSink implements EventSink {
  /** How long a send waits for the brokers (metadata, buffer space) before the replay fails. */
  static final Duration MAX_BLOCK = Duration.ofSeconds(20);

  private final KafkaProducer<String, String> producer;
  private final String topic;
  private final String servers;
  private final AtomicReference<Exception> failure = new AtomicReference<>();

  private KafkaEventSink(KafkaProducer<String, String> producer, String topic, String servers) {
    this.producer = producer;
    this.topic = topic;
    this.servers = servers;
  }

  /** Connects and looks the topic up, so that unreachable brokers fail before any Spark work. */
  static KafkaEventSink open(StreamSettings settings, String topic, Duration maxBlock) {
    Map<String, Object> properties = new HashMap<>(settings.clientProperties());
    properties.put(ProducerConfig.CLIENT_ID_CONFIG, "treeline-replay");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // lz4-java is in every Spark distribution (Spark compresses shuffles with it).
    properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) maxBlock.toMillis());
    KafkaProducer<String, String> producer;
    try {
      producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
    } catch (KafkaException e) {
      throw Errors.invalidInput("use", "stream.kafka.bootstrap-servers '" + settings.bootstrapServers() + "'", rootMessage(e),
          "Set --conf stream.kafka.bootstrap-servers=HOST:PORT[,HOST:PORT…].", e);
    }
    KafkaEventSink sink = new KafkaEventSink(producer, topic, settings.bootstrapServers());
    try {
      producer.partitionsFor(topic);
    } catch (TimeoutException e) {
      // Kafka's message names only the topic, which misleads when no broker answered at all.
      sink.failure.set(e);
      sink.close();
      throw sink.failed(e, "no broker answered with the topic's partitions within " + maxBlock.toSeconds() + " s (" + e.getMessage() + ")");
    } catch (KafkaException e) {
      sink.failure.set(e);
      sink.close();
      throw sink.failed(e, rootMessage(e));
    }
    return sink;
  }

  @Override
  public void send(String key, String json) {
    throwIfFailed();
    try {
      producer.send(new ProducerRecord<>(topic, key, json), (metadata, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
      });
    } catch (KafkaException e) {
      failure.compareAndSet(null, e);
      throw failed(e, rootMessage(e));
    }
  }

  @Override
  public void finish() {
    producer.flush();
    throwIfFailed();
  }

  private void throwIfFailed() {
    Exception e = failure.get();
    if (e != null) {
      throw failed(e, rootMessage(e));
    }
  }

  private TreelineException failed(Exception e, String reason) {
    return Errors.jobFailed("send", "events to " + describe(), reason,
        "Check that the brokers " + servers + " are reachable from here, that the topic exists (or the brokers create topics), "
            + "and the stream.kafka.security-protocol and sasl/ssl settings.", e);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
  }

  @Override
  public String describe() {
    return "kafka topic " + topic + " at " + servers;
  }

  @Override
  public void close() {
    // After a failure the replay has failed anyway: don't wait out the delivery timeout for the rest.
    producer.close(failure.get() == null ? Duration.ofSeconds(30) : Duration.ZERO);
  }
}
