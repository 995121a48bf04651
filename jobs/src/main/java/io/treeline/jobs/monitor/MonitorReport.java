package io.treeline.jobs.monitor;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The run's report: {@code <lake>/monitoring/reports/<model>/<since>_<until>/report.md} with its PNG
 * plots beside it — breaches first, then drift, skew and live quality per input, view and period.
 * A rerun of the range overwrites it, as it replaces the range in the tables.
 */
final class MonitorReport {
  static final String FILE = "report.md";

  private final LakeLayout layout;
  private final Configuration hadoop;

  MonitorReport(LakeLayout layout, Configuration hadoop) {
    this.layout = layout;
    this.hadoop = hadoop;
  }

  static String directory(LakeLayout layout, String model, MonitorRange range) {
    return layout.root().replaceAll("/+$", "") + "/monitoring/reports/" + model + "/" + range.slug();
  }

  /** Writes the report and its plots; returns the report's location. */
  String write(String model, MonitorRange range, List<MonitorModel.VersionFigures> found, List<MonitorModel.Breach> breaches) {
    String dir = directory(layout, model, range);
    List<MonitorFigure> drift = found.stream().flatMap(f -> f.drift().stream()).toList();
    List<MonitorFigure> skew = found.stream().flatMap(f -> f.skew().stream()).toList();
    List<MonitorFigure> quality = found.stream().flatMap(f -> f.quality().stream()).toList();
    double psi = drift.stream().filter(f -> f.metric().equals("psi") && f.threshold() != null).mapToDouble(MonitorFigure::threshold)
        .min().orElse(Double.NaN);
    double skewThreshold = skew.stream().filter(f -> f.threshold() != null).mapToDouble(MonitorFigure::threshold).findFirst().orElse(Double.NaN);
    Map<String, byte[]> plots = new LinkedHashMap<>();
    plots.put("drift_psi.png", MonitorPlots.driftOverTime(drift, psi));
    for (MonitorModel.VersionFigures f : found) {
      if (f.driftResult().predictionReference() != null && f.driftResult().predictionServed() != null) {
        plots.put("prediction_v" + f.version() + ".png", MonitorPlots.scoreHistogram(f.driftResult().predictionReference(),
            f.driftResult().predictionServed()));
      }
    }
    if (!skew.isEmpty()) {
      plots.put("skew_by_view.png", MonitorPlots.skewByView(skew, skewThreshold));
    }
    if (quality.stream().anyMatch(f -> f.metric().equals("auc"))) {
      plots.put("live_auc.png", MonitorPlots.liveAuc(quality));
    }

    StringBuilder md = new StringBuilder();
    md.append("# Monitoring ").append(model).append(": ").append(range.since()).append(" to ").append(range.until()).append("\n\n");
    md.append("Versions ").append(String.join(", ", found.stream().map(f -> Long.toString(f.version())).toList()))
        .append(", periods of one ").append(range.granularity().sparkUnit())
        .append(". What each figure means and what to do when one is breached: docs/monitoring.md.\n\n");
    md.append("## Breaches\n\n");
    if (breaches.isEmpty()) {
      md.append("None: every figure held to a threshold is within it.\n\n");
    } else {
      md.append("| table | version | period | feature | view | metric | value | threshold |\n|---|---|---|---|---|---|---|---|\n");
      breaches.forEach(b -> md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %.4f | %.4f |%n", b.table(), b.version(),
          b.period(), dash(b.feature()), dash(b.view()), b.metric(), b.value(), b.threshold())));
      md.append('\n');
    }
    md.append("## Drift against the training set\n\n![PSI over time](drift_psi.png)\n\n");
    found.stream().filter(f -> plots.containsKey("prediction_v" + f.version() + ".png"))
        .forEach(f -> md.append("![prediction v").append(f.version()).append("](prediction_v").append(f.version()).append(".png)\n\n"));
    md.append("Worst period per input (PSI and Jensen–Shannon distance over ten bins, KS over the training percentiles):\n\n");
    md.append("| version | input | max PSI | threshold | max JS | max KS | max null share | periods breached |\n|---|---|---|---|---|---|---|---|\n");
    Map<String, double[]> worst = new TreeMap<>();
    Map<String, Double> thresholds = new LinkedHashMap<>();
    for (MonitorFigure f : drift) {
      String key = f.version() + "\u0000" + f.feature();
      double[] w = worst.computeIfAbsent(key, k -> new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0});
      int index = switch (f.metric()) {
        case "psi" -> 0;
        case "js_distance" -> 1;
        case "ks" -> 2;
        case "null_share" -> 3;
        default -> -1;
      };
      if (index >= 0) {
        w[index] = Double.isNaN(w[index]) ? f.value() : Math.max(w[index], f.value());
      }
      if (f.metric().equals("psi")) {
        thresholds.put(key, f.threshold());
        w[4] += f.breached() ? 1 : 0;
      }
    }
    worst.forEach((key, w) -> {
      String[] parts = key.split("\u0000");
      Double t = thresholds.get(key);
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %d |%n", parts[0], parts[1], number(w[0]),
          t == null ? "reported only" : number(t), number(w[1]), number(w[2]), number(w[3]), (long) w[4]));
    });
    md.append('\n');

    md.append("## Training/serving skew\n\n");
    if (skew.isEmpty()) {
      md.append("No looked-up features were checked.\n\n");
    } else {
      md.append("![skew per view](skew_by_view.png)\n\n");
      md.append("| version | period | view | feature | metric | value | requests |\n|---|---|---|---|---|---|---|\n");
      skew.stream().filter(f -> !f.metric().equals("mean_abs_diff") || f.value() > 0)
          .sorted(java.util.Comparator.comparing(MonitorFigure::periodStart).thenComparing(MonitorFigure::view)
              .thenComparing(MonitorFigure::feature))
          .forEach(f -> md.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s%s | %d |%n", f.version(), f.periodStart(), f.view(),
              f.feature(), f.metric(), number(f.value()), f.breached() ? " **breached**" : "", f.rows())));
      md.append('\n');
    }

    md.append("## Live quality\n\n");
    if (quality.isEmpty()) {
      md.append("No labels were given (--labels or --labels-sql), or none matched a logged prediction.\n");
    } else {
      if (plots.containsKey("live_auc.png")) {
        md.append("![live AUC](live_auc.png)\n\n");
      }
      Map<String, Map<String, Double>> rows = new TreeMap<>();
      List<String> metrics = new ArrayList<>();
      for (MonitorFigure f : quality) {
        rows.computeIfAbsent(f.version() + " | " + f.periodStart(), k -> new LinkedHashMap<>()).put(f.metric(), f.value());
        if (!metrics.contains(f.metric())) {
          metrics.add(f.metric());
        }
      }
      md.append("| version | period | ").append(String.join(" | ", metrics)).append(" |\n|---|---|")
          .append("---|".repeat(metrics.size())).append('\n');
      rows.forEach((key, values) -> {
        md.append("| ").append(key);
        metrics.forEach(m -> md.append(" | ").append(number(values.getOrDefault(m, Double.NaN))));
        md.append(" |\n");
      });
    }

    try {
      Path base = new Path(dir);
      FileSystem fs = base.getFileSystem(hadoop);
      fs.mkdirs(base);
      for (Map.Entry<String, byte[]> plot : plots.entrySet()) {
        writeFile(fs, new Path(base, plot.getKey()), plot.getValue());
      }
      writeFile(fs, new Path(base, FILE), md.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw Errors.jobFailed("write", "the monitoring report at " + dir, e.getMessage(), "Check that the lake is writable.", e);
    }
    return dir + "/" + FILE;
  }

  private static void writeFile(FileSystem fs, Path path, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(path, true)) {
      out.write(bytes);
    }
  }

  private static String dash(String text) {
    return text == null ? "–" : text;
  }

  private static String number(double value) {
    return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.4f", value);
  }

  static String describe(LocalDateTime time) {
    return time.toString();
  }
}
