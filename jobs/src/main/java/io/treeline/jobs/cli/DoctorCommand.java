package io.treeline.jobs.cli;

import io.treeline.jobs.doctor.Doctor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description =
        "Print the Java, Spark, Delta and Treeline versions, check the lake root can be written and that the configured optional services (MLflow, Redis, Kafka) answer. Exit 2 when the lake cannot be written, 1 when a configured service does not answer.")
final class DoctorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new Doctor());
  }
}
