package io.treeline.serving.http;

import io.javalin.http.Context;
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

  void check(Context ctx) {
    String caller = "address:" + ctx.ip();
    if (authenticator != null) {
      try {
        Caller who = authenticator.authenticate(ctx.header(Authenticator.AUTHORIZATION_HEADER), ctx.header(Authenticator.API_KEY_HEADER));
        caller = who.id();
      } catch (AuthenticationException e) {
        // Failed attempts spend the address's allowance, so keys cannot be guessed at full speed.
        limit(ctx, caller);
        throw ApiException.unauthenticated(e.getMessage());
      }
    }
    limit(ctx, caller);
  }

  private void limit(Context ctx, String caller) {
    if (rateLimiter != null && !rateLimiter.tryAcquire(caller)) {
      ctx.header("Retry-After", Long.toString(rateLimiter.retryAfterSeconds(caller)));
      throw ApiException.rateLimited("the rate limit for this caller is reached: retry after the Retry-After header's seconds");
    }
  }
}
