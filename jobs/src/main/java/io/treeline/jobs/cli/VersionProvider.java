package io.treeline.jobs.cli;

import io.treeline.jobs.runtime.TreelineVersion;
import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {TreelineVersion.describe()};
  }
}
