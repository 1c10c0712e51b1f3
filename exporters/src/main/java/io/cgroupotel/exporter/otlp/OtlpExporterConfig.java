package io.cgroupotel.exporter.otlp;

import java.net.URI;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code [exporters.otlp]}, as SDK properties: each key set in the file becomes the matching
 * {@code otel.exporter.otlp.*} property, and the standard {@code OTEL_EXPORTER_OTLP_*}
 * variables override them, as in every OTel SDK.
 *
 * @param properties the {@code otel.*} properties the file sets
 * @param queue {@code [exporters.otlp.queue]}
 */
public record OtlpExporterConfig(Map<String, String> properties, QueueConfig queue) {
  /** With the default queue (in memory). */
  public OtlpExporterConfig(Map<String, String> properties) {
    this(properties, QueueConfig.DEFAULT);
  }

  /** What stands for a URL's user information (a password, often) wherever one is shown. */
  static final String REDACTED = "***";

  /** {@code scheme://userinfo@}: the part of a URL that may hold a password. */
  private static final Pattern USERINFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/?#\\s]*@");

  /**
   * {@code url} fit to be shown (logs, start line, {@code --check}): its user information, which
   * may hold a password ({@code http://user:PASS@host}), replaced by {@value #REDACTED}, and
   * control characters escaped. Works on text that is not a valid URL too (an error message that
   * quotes one).
   */
  public static String redact(String url) {
    if (url == null) {
      return null;
    }
    Matcher m = USERINFO.matcher(url);
    String shown = m.find() ? m.replaceAll("$1" + REDACTED + "@") : url;
    return escapeControls(shown);
  }

  /** {@link #redact(String)} of a URI, as a URI when it still parses. */
  public static URI redact(URI uri) {
    if (uri == null || uri.getRawUserInfo() == null) {
      return uri;
    }
    try {
      return new URI(uri.getScheme(), REDACTED, uri.getHost(), uri.getPort(), uri.getPath(),
          uri.getQuery(), uri.getFragment());
    } catch (java.net.URISyntaxException e) {
      return URI.create(uri.getScheme() + "://" + REDACTED + "@" + uri.getRawAuthority()
          .substring(uri.getRawAuthority().indexOf('@') + 1));
    }
  }

  /**
   * Why {@code name} cannot be an HTTP header name, or null: a name is an RFC 9110 token (letters,
   * digits and {@code !#$%&'*+-.^_`|~}), nothing else.
   */
  static String headerNameProblem(String name) {
    if (name.isEmpty()) {
      return "an empty header name";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!token) {
        return "header name \"" + escapeControls(name) + "\" has " + describe(c)
            + " at character " + (i + 1) + ": a header name is letters, digits and "
            + "!#$%&'*+-.^_`|~ only";
      }
    }
    return null;
  }

  /**
   * Why {@code value} cannot be the value of header {@code name}, or null. The value is never
   * quoted (it is often a token): only the position and kind of the bad character are. A line
   * break would end the header (the HTTP client refuses it, and the export with it); other
   * control characters are refused by HTTP too (RFC 9110), and the HTTP clients under the OTLP
   * exporter take printable ASCII, spaces and tabs only.
   */
  static String headerValueProblem(String name, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c >= 0x7f) {
        String where = i == value.length() - 1 ? "at its end" : "at character " + (i + 1)
            + " of " + value.length();
        return "the value of header " + escapeControls(name) + " has " + describe(c) + " "
            + where + (c == '\n' || c == '\r' ? " (a variable that ends in a newline? e.g. "
                + "from $(cat file) or a secret file written with echo)" : "")
            + "; the value is not shown";
      }
    }
    return null;
  }

  private static String describe(char c) {
    return switch (c) {
      case '\n' -> "a line feed (LF)";
      case '\r' -> "a carriage return (CR)";
      case 0 -> "a NUL byte";
      default -> c < 0x20 || c == 0x7f ? String.format("a control character (U+%04X)", (int) c)
          : c > 0x7f ? "a non-ASCII character" : "\"" + c + "\"";
    };
  }

  /** {@code s} with control characters written as {@code \n}, {@code \r}, {@code \\uXXXX}. */
  static String escapeControls(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        if (b == null) {
          b = new StringBuilder(s.length() + 8).append(s, 0, i);
        }
        b.append(switch (c) {
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          case '\t' -> "\\t";
          default -> String.format("\\u%04x", (int) c);
        });
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  /**
   * {@code text} (an error message) with what may be secret taken out: every header value of
   * {@code properties} (as written and decoded) and the user information of URLs.
   */
  static String hideSecrets(String text, Map<String, String> properties) {
    if (text == null) {
      return "no reason given";
    }
    String shown = text;
    for (Map.Entry<String, String> e : properties.entrySet()) {
      if (!e.getKey().endsWith("headers") || e.getValue() == null) {
        continue;
      }
      shown = shown.replace(e.getValue(), REDACTED);
      for (String pair : e.getValue().split(",")) {
        int eq = pair.indexOf('=');
        if (eq < 0 || eq + 1 >= pair.length()) {
          continue;
        }
        String raw = pair.substring(eq + 1).trim();
        shown = raw.isEmpty() ? shown : shown.replace(raw, REDACTED);
        try {
          String decoded = java.net.URLDecoder.decode(raw, java.nio.charset.StandardCharsets.UTF_8);
          shown = decoded.isBlank() ? shown : shown.replace(decoded.trim(), REDACTED);
        } catch (IllegalArgumentException x) {
          // not decodable: the raw form is already hidden
        }
      }
    }
    return redact(shown);
  }
}
