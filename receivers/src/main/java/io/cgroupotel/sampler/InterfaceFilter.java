package io.cgroupotel.sampler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which network interfaces of an entity's namespace are exported: the receiver's {@code
 * network_interfaces} globs ({@code *}, {@code ?}, {@code [a-z]}, {@code [!0-9]}), or by default
 * every interface but the loopback {@code lo} (traffic inside the pod is not network use).
 *
 * <p>Decisions are remembered per name (a namespace has a handful, the node a few distinct
 * ones), so a poll matches nothing. Used by the polling thread only.
 */
public final class InterfaceFilter {
  /** Every interface but {@code lo}. */
  public static final InterfaceFilter DEFAULT = new InterfaceFilter(null);
  private static final int MAX_REMEMBERED = 4096;

  private final List<String> globs; // null: the default
  private final List<Pattern> patterns;
  private final Map<String, Boolean> decided = new HashMap<>();

  private InterfaceFilter(List<String> globs) {
    this.globs = globs;
    List<Pattern> p = new ArrayList<>();
    if (globs != null) {
      for (String g : globs) {
        String problem = check(g);
        if (problem != null) {
          throw new IllegalArgumentException("bad interface glob \"" + g + "\": " + problem);
        }
        p.add(Pattern.compile(regex(g)));
      }
    }
    this.patterns = List.copyOf(p);
  }

  /** The interfaces that one of {@code globs} matches ({@code lo} only if one matches it). */
  public static InterfaceFilter of(List<String> globs) {
    return new InterfaceFilter(List.copyOf(Objects.requireNonNull(globs, "globs")));
  }

  /** The globs, or null for the default (all but {@code lo}). */
  public List<String> globs() {
    return globs;
  }

  public boolean matches(String name) {
    Boolean known = decided.get(name);
    if (known != null) {
      return known;
    }
    boolean match;
    if (globs == null) {
      match = !name.equals("lo");
    } else {
      match = false;
      for (Pattern p : patterns) {
        if (p.matcher(name).matches()) {
          match = true;
          break;
        }
      }
    }
    if (decided.size() < MAX_REMEMBERED) {
      decided.put(name, match);
    }
    return match;
  }

  /**
   * What is wrong with {@code glob}, or null: empty, a character no interface name has (the
   * kernel refuses {@code /}, {@code :} and white space), an unclosed {@code [}.
   */
  public static String check(String glob) {
    if (glob.isEmpty()) {
      return "empty";
    }
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c)) {
        return "'" + c + "' is in no interface name";
      }
      if (c == '[') {
        int close = glob.indexOf(']', i + 2);
        if (close < 0) {
          return "'[' at " + (i + 1) + " is not closed";
        }
        i = close;
      }
    }
    return null;
  }

  private static String regex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        case '[' -> {
          int close = glob.indexOf(']', i + 2);
          String set = glob.substring(i + 1, close);
          re.append('[');
          if (set.startsWith("!")) {
            re.append('^');
            set = set.substring(1);
          }
          for (char s : set.toCharArray()) {
            re.append(s == '-' || Character.isLetterOrDigit(s) ? String.valueOf(s) : "\\" + s);
          }
          re.append(']');
          i = close;
        }
        default -> re.append(Character.isLetterOrDigit(c) ? String.valueOf(c) : "\\" + c);
      }
    }
    return re.toString();
  }

  @Override
  public String toString() {
    return globs == null ? "all but lo" : String.join(", ", globs);
  }
}
