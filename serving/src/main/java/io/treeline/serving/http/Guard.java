package io.treeline.serving.http;

import io.treeline.serving.api.ApiException;
import io.treeline.serving.auth.AuthenticationException;
import io.treeline.serving.auth.Authenticator;
import io.treeline.serving.auth.Caller;
import io.treeline.serving.auth.RateLimiter;

/** Runs before every prediction route: authenticates the caller (when configured), then applies its rate limit. */
final class Guard {
  private final Authenticator authenticator;
  private final RateLimiter rateLimiter;

  Guard(Authenticator authenticator, RateLimiter rateLimiter) {
    this.authenticator = authenticator;
    this.rateLimiter = rateLimiter;
  }

  void check(Exchange ex) {
    if (authenticator == null && rateLimiter == null) {
      return;
    }
    String caller = "address:" + ex.remoteAddress();
    if (authenticator != null) {
      try {
        Caller who = authenticator.authenticate(ex.header(Authenticator.AUTHORIZATION_HEADER), ex.header(Authenticator.API_KEY_HEADER));
        caller = who.id();
      } catch (AuthenticationException e) {
        // Failed attempts spend the address's allowance, so keys cannot be guessed at full speed.
        limit(ex, caller);
        throw ApiException.unauthenticated(e.getMessage());
      }
    }
    limit(ex, caller);
  }

  private void limit(Exchange ex, String caller) {
    if (rateLimiter != null && !rateLimiter.tryAcquire(caller)) {
      ex.responseHeader("Retry-After", Long.toString(rateLimiter.retryAfterSeconds(caller)));
      throw ApiException.rateLimited("the rate limit for this caller is reached: retry after the Retry-After header's seconds");
    }
  }
}
