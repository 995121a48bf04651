package io.treeline.serving.auth;

/**
 * A request whose credentials are missing or refused. The message goes back to the client as is, so
 * it says what to fix but never echoes a secret or the key that was presented.
 */
public final class AuthenticationException extends RuntimeException {
  public AuthenticationException(String message) {
    // Thrown for every bad request an attacker cares to send: a stack trace would be cost, not help.
    super(message, null, false, false);
  }
}
