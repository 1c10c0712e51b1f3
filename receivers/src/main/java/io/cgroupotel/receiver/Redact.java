package io.cgroupotel.receiver;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes credentials out of text before it is logged: an API server's error body may echo the
 * request's {@code Authorization} header, and exception messages quote bodies and URLs.
 *
 * <p>Replaced by {@value #MASK}: the value after {@code Bearer} / {@code Basic}; the value of an
 * {@code Authorization} (or {@code Proxy-Authorization}) header, as a header line, JSON or a
 * {@code key=value} dump; {@code token: x} / {@code "token": "x"} / {@code access_token=x}
 * fields; JSON Web Tokens ({@code eyJ...}, what Kubernetes service-account tokens are); the
 * password of a URL's user info; and every token registered with {@link #secret} (the literal
 * token the agent sent), wherever it appears.
 *
 * <p>Thread-safe. Apply it to every log argument built from an exception message, a response
 * body or a URL; messages the agent wrote itself need nothing.
 */
public final class Redact {
  public static final String MASK = "<redacted>";

  /** Shorter secrets are not registered: masking them would mangle ordinary words. */
  static final int MIN_SECRET_LENGTH = 6;
  private static final int MAX_SECRETS = 16;
  private static final Deque<String> SECRETS = new ArrayDeque<>();

  private static final String VALUE_END = "\\s\"'`,;<>\\[\\]{}()\\\\";
  private static final List<Rule> RULES = List.of(
      // Authorization: Bearer x | "Authorization":"Bearer x" | authorization=[Bearer x]
      new Rule("(?i)((?:proxy-)?authorization\"?'?\\s*[:=]\\s*\\[?\\s*[\"']?)"
          + "(?:(?:bearer|basic|token|negotiate|digest)\\s+)?[^\\r\\n\"',\\]}]+", "$1" + MASK),
      new Rule("(?i)\\b(bearer|basic)(\\s+)[^" + VALUE_END + "]+", "$1$2" + MASK),
      // token: x | "token":"x" | access_token=x | id-token=x (not token_file, not "token was");
      // x has a digit, so that kubectl's "failed to create token:
      // serviceaccounts ... not found" keeps the kind of its error (what the agent sent is
      // masked anyway: it is registered with secret())
      new Rule("(?i)\\b((?:[a-z]+[_-])?token\"?'?\\s*[:=]\\s*[\"']?)(?=[^" + VALUE_END
          + "&]*[0-9])[^" + VALUE_END + "&]+", "$1" + MASK),
      new Rule("\\beyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*", MASK),
      new Rule("(?i)\\b([a-z][a-z0-9+.-]*://[^/\\s:@]+:)[^@\\s/]+@", "$1" + MASK + "@"));

  private record Rule(Pattern pattern, String replacement) {
    Rule(String regex, String replacement) {
      this(Pattern.compile(regex), replacement);
    }
  }

  private Redact() {}

  /**
   * Registers a credential the agent holds (a token read from a file or from kubectl): from now
   * on it is masked wherever it appears. The last {@value #MAX_SECRETS} are kept, so rotated
   * tokens that may still show in a late error are covered.
   */
  public static void secret(String token) {
    if (token == null) {
      return;
    }
    String t = token.trim();
    if (t.length() < MIN_SECRET_LENGTH) {
      return;
    }
    synchronized (SECRETS) {
      if (SECRETS.contains(t)) {
        return;
      }
      SECRETS.addFirst(t);
      while (SECRETS.size() > MAX_SECRETS) {
        SECRETS.removeLast();
      }
    }
  }

  /** {@code text} with every credential masked; null stays null. */
  public static String of(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String s = text;
    synchronized (SECRETS) {
      for (String secret : SECRETS) {
        if (s.contains(secret)) {
          s = s.replace(secret, MASK);
        }
      }
    }
    for (Rule rule : RULES) {
      Matcher m = rule.pattern().matcher(s);
      if (m.find()) {
        s = m.replaceAll(rule.replacement());
      }
    }
    return s;
  }

  /** {@link Throwable#toString()} of {@code t}, masked. */
  public static String of(Throwable t) {
    return t == null ? "null" : of(t.toString());
  }
}
