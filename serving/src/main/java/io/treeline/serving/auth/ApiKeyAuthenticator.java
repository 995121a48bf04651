package io.treeline.serving.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Accepts static API keys, sent as {@code X-API-Key: <key>} or {@code Authorization: Bearer <key>};
 * the caller is the key's configured name.
 */
public final class ApiKeyAuthenticator implements Authenticator {
  private final String[] names;
  private final byte[][] digests;

  /** @param keysByName each key under the name requests made with it are counted against */
  public ApiKeyAuthenticator(Map<String, String> keysByName) {
    if (keysByName.isEmpty()) {
      throw new IllegalArgumentException("no API keys configured: every request would be refused");
    }
    names = new String[keysByName.size()];
    digests = new byte[keysByName.size()][];
    Set<String> distinct = new HashSet<>();
    int i = 0;
    for (Map.Entry<String, String> entry : keysByName.entrySet()) {
      String name = entry.getKey();
      String key = entry.getValue();
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("an API key has no name");
      }
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("API key '" + name + "' is empty");
      }
      // Two names for one key would make the caller, and so its rate limit, depend on map order.
      if (!distinct.add(key)) {
        throw new IllegalArgumentException("API key '" + name + "' is the same key as another name's");
      }
      names[i] = name;
      digests[i] = sha256(key);
      i++;
    }
  }

  @Override
  public Caller authenticate(String authorizationHeader, String apiKeyHeader) {
    String presented = apiKeyHeader != null && !apiKeyHeader.isBlank()
        ? apiKeyHeader.strip()
        : BearerToken.from(authorizationHeader);
    if (presented == null) {
      throw new AuthenticationException("missing credentials: send 'X-API-Key: <key>' or 'Authorization: Bearer <key>'");
    }
    // Comparing digests of equal length makes the comparison's time independent of how long a
    // prefix of some key the client guessed; going through every key hides which one matched.
    byte[] digest = sha256(presented);
    int match = -1;
    for (int i = 0; i < digests.length; i++) {
      boolean equal = MessageDigest.isEqual(digests[i], digest);
      match = equal ? i : match;
    }
    if (match < 0) {
      throw new AuthenticationException("invalid API key");
    }
    return new Caller(names[match]);
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
