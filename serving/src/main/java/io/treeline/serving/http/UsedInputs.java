package io.treeline.serving.http;

import io.treeline.serving.inference.InferenceRecord;
import io.treeline.serving.request.RequestPlan;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A served record's inputs as the inference log reads them: the request's own used inputs, read
 * when the log's writer asks, on its thread, so the request only hands over the list.
 */
final class UsedInputs extends InferenceRecord.Inputs {
  private final List<RequestPlan.UsedInput> used;

  /** {@code used} must never change after it is handed over (a scored request's inputs do not). */
  UsedInputs(List<RequestPlan.UsedInput> used) {
    this.used = used;
  }

  @Override
  public int size() {
    return used.size();
  }

  @Override
  public String name(int index) {
    return used.get(index).name();
  }

  @Override
  public String view(int index) {
    return used.get(index).view();
  }

  @Override
  public String source(int index) {
    return used.get(index).source().label();
  }

  @Override
  public boolean hasNumber(int index) {
    return !Double.isNaN(used.get(index).numberOrNaN());
  }

  @Override
  public double number(int index) {
    return used.get(index).numberOrNaN();
  }

  @Override
  public String text(int index) {
    return used.get(index).text();
  }

  @Override
  public boolean hasFeatureTime(int index) {
    return used.get(index).featureTime() != null;
  }

  @Override
  public long featureTimeSecond(int index) {
    return used.get(index).featureTime().toEpochSecond(ZoneOffset.UTC);
  }

  @Override
  public int featureTimeNano(int index) {
    return used.get(index).featureTime().getNano();
  }
}
