package io.cgroupotel.receiver;

/** A receiver cannot run in this environment; the message says why and how to fix it. */
public final class ReceiverStartException extends Exception {
  public ReceiverStartException(String message) {
    super(message);
  }

  public ReceiverStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
