package io.treeline.featurestore.online;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * A connection to Redis that request threads share when the server is busy ({@link RedisOnlineReader}
 * gives a request an idle connection when it has one). A thread's commands are
 * added to one outgoing buffer; whichever thread finds no write under way writes it, with the commands
 * other threads add meanwhile. Replies come back in the order the commands went out (Redis answers a
 * connection's commands in order), and one waiting thread at a time reads them: it hands each caller
 * its replies until its own are in, then wakes the oldest caller still waiting to read on. Under load,
 * one system call on each side then carries the lookups of several requests: on a machine that runs
 * the server and Redis on the same cores, the socket calls and the loopback network's work are most
 * of a lookup's cost (docs/benchmarks.md). A lone request costs what a connection of its own would:
 * its commands go out at once and it reads its own replies, with no thread between.
 *
 * <p>A reply that does not come within {@link #TIMEOUT}, or a connection that fails, fails every
 * caller waiting on it, and the connection is not used again ({@link #usable}).
 */
final class SharedRedisConnection implements AutoCloseable {
  /** For connecting and for each caller's replies, as Jedis's defaults. */
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  /** A caller's commands, waiting for their replies. */
  private static final class Call {
    final Thread waiter = Thread.currentThread();
    final Object[] replies;
    int received;
    volatile boolean done;
    volatile IOException failure;

    Call(int commands) {
      this.replies = new Object[commands];
    }
  }

  private final String address;
  private final Socket socket;
  private final OutputStream out;
  private final RespReplies in;
  /** Calls whose commands are in the outgoing buffer or sent, oldest first: the order their replies come in. */
  private final ConcurrentLinkedQueue<Call> awaiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger callers = new AtomicInteger();
  /** Held by the one caller reading replies. */
  private final AtomicBoolean reading = new AtomicBoolean();
  private final Object sending = new Object();
  private RespCommands outgoing = new RespCommands(8192);
  /** The buffer being written, by the one thread that {@link #writing}; swapped with {@link #outgoing}. */
  private RespCommands written = new RespCommands(8192);
  private boolean writing;
  private volatile IOException broken;

  private SharedRedisConnection(String address, Socket socket) throws IOException {
    this.address = address;
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new RespReplies(socket.getInputStream());
  }

  /**
   * Connects to the Redis at {@code url} (redis://, or rediss:// for TLS through {@code tlsSockets}
   * with the server's name checked against its certificate), logs in and selects the URL's database.
   */
  static SharedRedisConnection open(URI url, SSLSocketFactory tlsSockets) throws IOException {
    HostAndPort hostAndPort = JedisURIHelper.getHostAndPort(url);
    String address = url.getScheme() + "://" + hostAndPort.getHost() + ":" + hostAndPort.getPort();
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(new InetSocketAddress(hostAndPort.getHost(), hostAndPort.getPort()), (int) TIMEOUT.toMillis());
      if (JedisURIHelper.isRedisSSLScheme(url)) {
        SSLSocket tls = (SSLSocket) tlsSockets.createSocket(socket, hostAndPort.getHost(), hostAndPort.getPort(), true);
        tls.setSSLParameters(RedisTls.parameters());
        tls.startHandshake();
        socket = tls;
      }
      SharedRedisConnection connection = new SharedRedisConnection(address, socket);
      connection.logIn(JedisURIHelper.getUser(url), JedisURIHelper.getPassword(url), JedisURIHelper.getDBIndex(url));
      return connection;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** Before any caller, so the replies are read here, in turn. */
  private void logIn(String user, String password, int database) throws IOException {
    socket.setSoTimeout((int) TIMEOUT.toMillis());
    if (password != null) {
      String[] auth = user == null ? new String[] {"AUTH", password} : new String[] {"AUTH", user, password};
      // Redis's refusal names neither the user nor the password.
      requireOk(new RespCommands(64).command(auth), "logging in");
    }
    if (database != 0) {
      requireOk(new RespCommands(32).command("SELECT", Integer.toString(database)), "selecting database " + database);
    }
  }

  private void requireOk(RespCommands command, String doing) throws IOException {
    out.write(command.array(), 0, command.size());
    out.flush();
    Object reply = in.next();
    if (reply instanceof RespReplies.Error error) {
      throw new IOException("Redis at " + address + " refused " + doing + ": " + error.message());
    }
  }

  /** Whether calls can still be made; after a failure, open another connection. */
  boolean usable() {
    return broken == null;
  }

  /** Callers in {@link #call} now: 0 when the connection is idle. */
  int callers() {
    return callers.get();
  }

  /**
   * Sends {@code commands} and waits for their replies, at most {@link #TIMEOUT}: one reply per
   * command, in order, each as {@link RespReplies#next} reads it (a command Redis refused is a
   * {@link RespReplies.Error}; the others still answer).
   */
  Object[] call(RespCommands commands) throws IOException {
    Call call = new Call(commands.commands());
    if (call.replies.length == 0) {
      return call.replies;
    }
    callers.incrementAndGet();
    try {
      boolean writer;
      synchronized (sending) {
        failIfBroken();
        // Queued with its bytes, under one lock: the reader meets calls in the order their commands go out.
        awaiting.add(call);
        outgoing.append(commands);
        writer = !writing;
        writing = true;
      }
      if (writer) {
        writeOutgoing();
      }
      return awaitReplies(call);
    } finally {
      callers.decrementAndGet();
    }
  }

  /** This thread writes the outgoing buffer, and what other threads add while it writes, until it is empty. */
  private void writeOutgoing() {
    while (true) {
      RespCommands batch;
      synchronized (sending) {
        if (outgoing.size() == 0 || broken != null) {
          writing = false;
          return;
        }
        batch = outgoing;
        outgoing = written;
        written = batch;
      }
      try {
        out.write(batch.array(), 0, batch.size());
      } catch (IOException e) {
        fail(new IOException("Cannot send to Redis at " + address + ": " + e.getMessage(), e));
      } finally {
        batch.clear();
      }
    }
  }

  /** Waits for {@code call}'s replies: reads them itself when no other caller is reading, else sleeps until handed them or woken to read. */
  private Object[] awaitReplies(Call call) throws IOException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!call.done) {
      if (reading.compareAndSet(false, true)) {
        try {
          readUntilDone(call, deadline);
        } finally {
          reading.set(false);
        }
        // The oldest caller still waiting reads on (one that started reading meanwhile makes this a no-op).
        Call next = awaiting.peek();
        if (next != null) {
          LockSupport.unpark(next.waiter);
        }
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        // Fails this call too, unless the caller reading is handing it its last reply this moment.
        fail(new IOException("Redis at " + address + " did not answer within " + TIMEOUT.toSeconds() + " s"));
        Thread.yield();
        continue;
      }
      if (Thread.currentThread().isInterrupted()) {
        // Its replies still come and are read past; the connection stays in step.
        throw new java.io.InterruptedIOException("interrupted while waiting for Redis at " + address);
      }
      LockSupport.parkNanos(this, left);
    }
    IOException failure = call.failure;
    if (failure != null) {
      throw new IOException(failure.getMessage(), failure);
    }
    return call.replies;
  }

  /**
   * As the one reader: each reply goes to the oldest call still short of replies, until {@code own}
   * has all of its own and what already arrived is handed out (so the next reader is not woken only
   * to read what is here).
   */
  private void readUntilDone(Call own, long deadline) {
    try {
      while (!own.done || in.buffered()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException();
        }
        socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        Object reply = in.next();
        Call call = awaiting.peek();
        if (call == null) {
          throw new IOException("Redis at " + address + " sent a reply no command asked for");
        }
        call.replies[call.received++] = reply;
        // Not removed when a failure took it first: that failure is its answer.
        if (call.received == call.replies.length && awaiting.remove(call)) {
          call.done = true;
          if (call != own) {
            LockSupport.unpark(call.waiter);
          }
        }
      }
    } catch (SocketTimeoutException e) {
      fail(new IOException("Redis at " + address + " did not answer within " + TIMEOUT.toSeconds() + " s"));
    } catch (IOException e) {
      fail(broken != null ? broken : new IOException("Lost the connection to Redis at " + address + ": " + e.getMessage(), e));
    } catch (RuntimeException e) {
      fail(new IOException("Cannot read Redis's reply from " + address + ": " + e, e));
    }
  }

  /** Breaks the connection for good: the socket is closed, and every call still waiting fails with {@code failure}. */
  private void fail(IOException failure) {
    synchronized (sending) {
      if (broken == null) {
        broken = failure;
      }
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing is all that is left to do with it.
    }
    // Calls are only added under the lock while not broken, so none is added after this drain starts.
    for (Call call = awaiting.poll(); call != null; call = awaiting.poll()) {
      call.failure = broken;
      call.done = true;
      LockSupport.unpark(call.waiter);
    }
  }

  private void failIfBroken() throws IOException {
    IOException failure = broken;
    if (failure != null) {
      throw new IOException(failure.getMessage(), failure);
    }
  }

  @Override
  public void close() {
    fail(new IOException("The connection to Redis at " + address + " was closed"));
  }
}
