package io.treeline.serving.auth;

import java.util.Objects;

/**
 * Who sent a request, once authenticated: the API key's name or the token's subject. The id is what
 * requests are counted against, so two credentials of one client share a rate limit only if they
 * share an id.
 */
public record Caller(String id) {
  public Caller {
    Objects.requireNonNull(id, "id");
  }
}
