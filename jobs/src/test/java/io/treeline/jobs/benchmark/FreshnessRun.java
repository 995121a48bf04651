package io.treeline.jobs.benchmark;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineStores;
import io.treeline.featurestore.online.RedisServer;
import io.treeline.featurestore.stream.StreamMetrics;
import io.treeline.featurestore.stream.StreamRunner;
import io.treeline.featurestore.stream.StreamSettings;
import io.treeline.jobs.stream.Pacing;
import io.treeline.jobs.stream.ReplayEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * The stream running (processing-time trigger) while a producer replays at a fixed rate into a new
 * topic: freshness p50/p99 from the stream's own metrics (Kafka record timestamp to the end of the
 * online write), the events of the first {@link #SETTLE} left out, and whether the stream kept up.
 */
final class FreshnessRun {
  /** Start-up (first batches, the producer's first burst) is not counted. */
  static final Duration SETTLE = Duration.ofSeconds(15);
  private static final Duration DRAIN = Duration.ofSeconds(60);

  private final StreamRig rig;
  private final int partitions;
  private final String topic;

  FreshnessRun(StreamRig rig, int partitions, String topic) {
    this.rig = rig;
    this.partitions = partitions;
    this.topic = topic;
  }

  void run(double rate, int seconds, int maxOffsets, int triggerSeconds) throws Exception {
    rig.broker().createTopic(topic, partitions);
    String lake = rig.newLake("lake-" + topic);
    long events = Math.round(rate * seconds);
    System.out.printf("%nFRESHNESS: %,.0f events/s for %d s (%,d events) into topic %s, "
        + "stream.trigger-seconds %d, max-offsets-per-trigger %,d; the first %d s not counted%n",
        rate, seconds, events, topic, triggerSeconds, maxOffsets, SETTLE.toSeconds());
    try (RedisServer redis = RedisServer.start();
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, rig.broker().bootstrapServers()))) {
      TreelineConfig config = rig.streamConfig(lake, redis, topic, maxOffsets, triggerSeconds);
      try (OnlineStore store = OnlineStores.open(config, rig.spark());
          StreamRunner runner = StreamRunner.start(rig.spark(), LakeLayout.at(lake), StreamSettings.from(config), List.of(rig.view()), store, false)) {
        StreamRunner.Running one = runner.running().get(0);
        StreamMetrics metrics = one.stream().metrics();
        StreamMetrics online = one.onlineMetrics();
        CompletableFuture<ReplayEvents.Result> producer = CompletableFuture.supplyAsync(() -> rig.replay(topic, events, Pacing.of(rate, null)));
        // The replay sorts the source first; the clock starts with its first event in the topic.
        while (produced(admin) == 0 && !producer.isDone()) {
          Thread.sleep(20);
        }
        long started = System.nanoTime();
        Thread.sleep(SETTLE.toMillis());
        online.resetFreshness();
        CpuShare cpu = CpuShare.now();
        long measuredFrom = System.currentTimeMillis();
        long doneBefore = done(metrics);
        List<Long> lags = new ArrayList<>();
        while (!producer.isDone()) {
          lags.add(produced(admin) - done(metrics));
          Thread.sleep(1000);
        }
        ReplayEvents.Result replayed = producer.join();
        String cpuUse = cpu.until(CpuShare.now());
        double producerSeconds = (System.nanoTime() - started) / 1e9;
        long produced = produced(admin);
        long lagAtEnd = produced - done(metrics);
        long drainStart = System.nanoTime();
        while (done(metrics) < produced && System.nanoTime() - drainStart < DRAIN.toNanos()) {
          Thread.sleep(20);
        }
        double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        StreamMetrics.Snapshot snapshot = online.snapshot();
        runner.stopGracefully(DRAIN);

        List<StreamingQueryProgress> measured = Arrays.stream(one.query().recentProgress())
            .filter(p -> p.numInputRows() > 0 && Instant.parse(p.timestamp()).toEpochMilli() >= measuredFrom).toList();
        List<Long> batchMillis = measured.stream().map(p -> StreamRig.duration(p, "triggerExecution")).sorted().toList();
        List<Long> batchEvents = measured.stream().map(StreamingQueryProgress::numInputRows).sorted().toList();
        System.out.printf("producer: %,d events in %.1f s = %,.0f events/s (asked %,.0f)%n", replayed.events(), replayed.seconds(),
            replayed.eventsPerSecond(), rate);
        System.out.printf("stream: %,d events processed after the first %d s; %d batches of %s events (min/median/max), taking %s ms%n",
            done(metrics) - doneBefore, SETTLE.toSeconds(), measured.size(), StreamRig.spread(batchEvents), StreamRig.spread(batchMillis));
        // The lag saws up and down by a batch; a stream that keeps up has no more of it in the second half than in the first.
        long firstHalf = lags.subList(0, lags.size() / 2).stream().mapToLong(Long::longValue).max().orElse(0);
        long secondHalf = lags.subList(lags.size() / 2, lags.size()).stream().mapToLong(Long::longValue).max().orElse(0);
        long halfBatch = batchEvents.isEmpty() ? 0 : batchEvents.get(batchEvents.size() / 2) / 2;
        boolean drained = done(metrics) >= produced;
        System.out.printf("lag (events in the topic not processed yet), sampled each second: at most %,d in the first half, %,d in the "
            + "second; %,d at the producer's end (%.0f s after its first event), processed %.1f s later%n", firstHalf, secondHalf, lagAtEnd,
            producerSeconds, drainSeconds);
        System.out.printf("kept up: %s (all %,d events processed: %s; lag grew by less than half a batch: %s)%n",
            drained && secondHalf <= firstHalf + halfBatch ? "yes" : "NO", produced, drained ? "yes" : "no",
            secondHalf <= firstHalf + halfBatch ? "yes" : "no");
        System.out.printf("%s, from the %d s mark to the producer's end%n", cpuUse, SETTLE.toSeconds());
        System.out.printf("freshness (produced → readable online, written by the %s): p50 %,.0f ms, p99 %,.0f ms%n",
            one.lane() == null ? "micro-batches" : "online lane (" + String.format("%,d", snapshot.events()) + " events in " + String.format("%,d", snapshot.batches())
                + " steps, clock " + snapshot.clock() + ")",
            snapshot.freshnessP50Millis(), snapshot.freshnessP99Millis());
      }
    }
  }

  /** Events in the topic: the sum of its partitions' end offsets. */
  private long produced(Admin admin) throws Exception {
    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      ends.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    return admin.listOffsets(ends).all().get().values().stream().mapToLong(o -> o.offset()).sum();
  }

  private static long done(StreamMetrics metrics) {
    StreamMetrics.Snapshot snapshot = metrics.snapshot();
    return snapshot.events() + snapshot.refused();
  }
}
