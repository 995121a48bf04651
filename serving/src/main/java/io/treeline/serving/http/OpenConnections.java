package io.treeline.serving.http;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;

/** The server's listening sockets and open connections, as a graceful stop sees them. */
final class OpenConnections {
  /** A connection that carried no byte for this long holds no request: it is idle and may be closed. */
  private static final long QUIET_MILLIS = 250;

  private volatile Server server;

  void of(Server server) {
    this.server = server;
  }

  /** Closes the listening sockets: a new connection is refused at once, the open ones finish what they carry. */
  void stopAccepting() {
    Server jetty = server;
    if (jetty != null) {
      for (Connector connector : jetty.getConnectors()) {
        if (connector instanceof NetworkConnector network) {
          network.close();
        }
      }
    }
  }

  /**
   * Open connections that carried bytes lately: a request read but not yet handed to a route, or an
   * answer being written. Stopping Jetty would cut them.
   */
  int inUse() {
    Server jetty = server;
    int inUse = 0;
    if (jetty != null) {
      for (Connector connector : jetty.getConnectors()) {
        for (EndPoint endPoint : connector.getConnectedEndPoints()) {
          boolean quiet = endPoint instanceof IdleTimeout idle && idle.getIdleFor() >= QUIET_MILLIS;
          if (endPoint.isOpen() && !quiet) {
            inUse++;
          }
        }
      }
    }
    return inUse;
  }
}
