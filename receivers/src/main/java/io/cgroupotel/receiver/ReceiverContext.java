package io.cgroupotel.receiver;

import java.util.Map;
import java.util.Objects;

/**
 * What the agent gives every receiver it creates.
 *
 * @param hostName the node's name ({@code host.name})
 * @param environment environment variables, injectable for tests
 * @param pollNow asks the scheduler to poll this receiver as soon as it can (e.g. inotify saw a
 *     new job); cheap and safe to call from any thread
 */
public record ReceiverContext(String hostName, Map<String, String> environment, Runnable pollNow) {
  public ReceiverContext {
    Objects.requireNonNull(hostName, "hostName");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(pollNow, "pollNow");
  }

  /** For tests: a context whose {@code pollNow} does nothing. */
  public static ReceiverContext forTest(String hostName) {
    return new ReceiverContext(hostName, Map.of(), () -> {});
  }
}
