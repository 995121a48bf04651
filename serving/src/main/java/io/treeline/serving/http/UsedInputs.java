package io.treeline.serving.http;

import io.treeline.serving.inference.InferenceRecord;
import io.treeline.serving.request.RequestPlan;
import java.time.ZoneOffset;

/**
 * A served record's inputs as the inference log reads them: the request's own used inputs, read
 * when the log's writer asks, on its thread, so the request only hands them over.
 */
final class UsedInputs extends InferenceRecord.Inputs {
  private final RequestPlan.Used used;

  UsedInputs(RequestPlan.Used used) {
    this.used = used;
  }

  @Override
  public int size() {
    return used.size();
  }

  @Override
  public String name(int index) {
    return used.name(index);
  }

  @Override
  public String view(int index) {
    return used.view(index);
  }

  @Override
  public String source(int index) {
    return used.source(index).label();
  }

  @Override
  public boolean hasNumber(int index) {
    return !Double.isNaN(used.number(index));
  }

  @Override
  public double number(int index) {
    return used.number(index);
  }

  @Override
  public String text(int index) {
    return used.text(index);
  }

  @Override
  public boolean hasFeatureTime(int index) {
    return used.featureTime(index) != null;
  }

  @Override
  public long featureTimeSecond(int index) {
    return used.featureTime(index).toEpochSecond(ZoneOffset.UTC);
  }

  @Override
  public int featureTimeNano(int index) {
    return used.featureTime(index).getNano();
  }
}
