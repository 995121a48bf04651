package io.treeline.jobs.cli;

import io.treeline.jobs.data.FetchData;
import io.treeline.jobs.data.LoadData;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "Obtain the flights reference data and load it into the lake.",
    subcommands = {DataCommand.Fetch.class, DataCommand.Load.class})
final class DataCommand {

  @Command(
      name = "fetch",
      mixinStandardHelpOptions = true,
      description =
        "Obtain vega-datasets@3.2.1 (npm pack, or --from TARBALL), verify its SHA-256 and place flights-3m.parquet and airports.csv in the lake's raw area. The tarball is cached in ~/.cache/treeline/downloads (data.cache-dir), so later runs work offline.")
  static final class Fetch implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--from", paramLabel = "TARBALL", description = "Use this vega-datasets-3.2.1.tgz instead of running npm.")
    Path from;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new FetchData(from, FetchData.defaultCacheDir(config.dataCacheDir())));
    }
  }

  @Command(
      name = "load",
      mixinStandardHelpOptions = true,
      description =
        "Load the fetched files into the Delta tables raw.flights (partitioned by departure_date) and raw.airports. Each table is replaced in one commit; a rerun on the same files changes nothing.")
  static final class Load implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--limit", paramLabel = "N", description = "Load only the first N flights in departure order (for small runs).")
    Long limit;

    @Option(names = "--sample", paramLabel = "FRACTION",
        description = "Load only this fraction of the flights (above 0, at most 1), spread over the whole period and the same flights on every run: chosen by a hash of their id. For quick runs; not with --limit.")
    Double sample;

    @Option(names = "--force", description = "Reload even when the tables already hold these files.")
    boolean force;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new LoadData(limit, sample, force));
    }
  }
}
