package io.treeline.jobs.benchmark;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time this JVM and the whole machine (from /proc/stat: redis-server, and anything else
 * running) used between two moments, so that figures taken on a shared machine say so.
 */
record CpuShare(long nanos, long processNanos, long machineBusy, long machineTotal) {
  static CpuShare now() {
    long process = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    long busy = 0;
    long total = 0;
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      for (int i = 1; i < Math.min(fields.length, 9); i++) {
        long jiffies = Long.parseLong(fields[i]);
        total += jiffies;
        busy += i == 4 || i == 5 ? 0 : jiffies; // idle, iowait
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the machine's share stays unknown
    }
    return new CpuShare(System.nanoTime(), process, busy, total);
  }

  /** "CPU: this JVM 88%, other processes (redis-server, anything else) 3% of 2 cores", from this moment to {@code end}. */
  String until(CpuShare end) {
    int cores = Runtime.getRuntime().availableProcessors();
    double jvm = (end.processNanos - processNanos) / ((double) (end.nanos - nanos) * cores);
    if (end.machineTotal == machineTotal) {
      return String.format("CPU: this JVM %.0f%% of %d cores", 100 * jvm, cores);
    }
    double machine = (end.machineBusy - machineBusy) / (double) (end.machineTotal - machineTotal);
    return String.format("CPU: this JVM %.0f%%, other processes (redis-server, anything else) %.0f%% of %d cores",
        100 * jvm, 100 * Math.max(0, machine - jvm), cores);
  }
}
