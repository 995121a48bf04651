package io.treeline.jobs.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The deployment files read as YAML (anchors, aliases and merge keys resolved, as kubectl and Compose resolve them). */
final class Manifests {
  static final Path K8S = DeployTools.DEPLOY.resolve("k8s");

  private Manifests() {}

  /** Every Kubernetes manifest and pod template: the YAML files of deploy/k8s except the kustomization. */
  static List<Path> kubernetesFiles() {
    try (Stream<Path> files = Files.walk(K8S)) {
      return files.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Map<String, Object>> documents(Path file) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : yaml().loadAll(DeployTools.read(file))) {
      if (document != null) {
        documents.add(map(document));
      }
    }
    return documents;
  }

  static Map<String, Object> document(Path file) {
    List<Map<String, Object>> documents = documents(file);
    if (documents.size() != 1) {
      throw new IllegalStateException(file + " holds " + documents.size() + " documents, expected one");
    }
    return documents.get(0);
  }

  static Map<String, Object> kind(String kind, String name) {
    for (Path file : kubernetesFiles()) {
      for (Map<String, Object> document : documents(file)) {
        if (kind.equals(document.get("kind")) && name.equals(map(document.get("metadata")).get("name"))) {
          return document;
        }
      }
    }
    throw new IllegalStateException("no " + kind + " " + name + " in " + K8S);
  }

  static Map<String, Object> parseYaml(String text) {
    return map(yaml().load(text));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    return value == null ? new LinkedHashMap<>() : (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value) {
    return value == null ? List.of() : (List<Object>) value;
  }

  /** Follows a path of keys and list indexes, e.g. at(doc, "spec", "template", "spec", "containers", 0). */
  static Object at(Object node, Object... path) {
    Object current = node;
    for (Object step : path) {
      current = step instanceof Integer index ? list(current).get(index) : map(current).get(step);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  static List<String> strings(Object value) {
    return value == null ? List.of() : ((List<Object>) value).stream().map(String::valueOf).toList();
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    return new Yaml(new SafeConstructor(options));
  }
}
