package io.cgroupotel.exporter.otlp;

/**
 * What the collector did with one request.
 *
 * @param outcome accepted (leaves the queue), retry (stays, sent again later) or refused (leaves
 *     the queue: the collector says the data itself is bad, so sending it again cannot help)
 * @param rejected items the collector says it rejected (partial success, or a refused request)
 * @param detail in words, for the log: the status and endpoint, or the collector's message
 * @param retryAfterMillis the collector's Retry-After, or -1
 */
record SendResult(Outcome outcome, long rejected, String detail, long retryAfterMillis) {
  enum Outcome { ACCEPTED, RETRY, REFUSED }

  static SendResult accepted(long rejected, String message) {
    return new SendResult(Outcome.ACCEPTED, rejected, message, -1);
  }

  static SendResult retry(String detail, long retryAfterMillis) {
    return new SendResult(Outcome.RETRY, 0, detail, retryAfterMillis);
  }

  static SendResult refused(long items, String detail) {
    return new SendResult(Outcome.REFUSED, items, detail, -1);
  }
}
