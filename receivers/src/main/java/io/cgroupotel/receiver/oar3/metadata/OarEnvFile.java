package io.cgroupotel.receiver.oar3.metadata;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads OAR's per-job environment file, {@code <OAREXEC_DIRECTORY>/<user>_<jobid>.env}: shell-like
 * {@code KEY=value} or {@code export KEY="value"} lines, as a POSIX shell would read them for
 * plain assignments (single quotes literal; double quotes with {@code \" \\ \$ \`} escapes;
 * backslash escapes outside quotes; {@code #} comments). A line that is none of these is skipped;
 * the rest of the file still counts. Pure, thread-safe.
 */
final class OarEnvFile {
  /** Env files are a few hundred bytes; anything far larger is not one. */
  static final int MAX_BYTES = 256 * 1024;

  private OarEnvFile() {}

  /** What a file gave: its variables and the number of lines that were skipped. */
  record Parsed(Map<String, String> variables, int badLines) {}

  /**
   * Reads and parses {@code file}.
   *
   * @throws IOException when it cannot be read, is not a regular file, is too large or is not
   *     UTF-8 text
   */
  static Parsed read(Path file) throws IOException {
    // only a regular file: a FIFO put in its place would block the open, and the poll with it,
    // until a writer came; a device may never end (the stat of a FIFO does not block)
    if (!Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class)
        .isRegularFile()) {
      throw new IOException("not a regular file (a FIFO or a device?), not an OAR env file");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    }
    if (bytes.length > MAX_BYTES) {
      throw new IOException("larger than " + MAX_BYTES + " bytes, not an OAR env file");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException("not UTF-8 text");
    }
    if (text.indexOf('\0') >= 0) {
      throw new IOException("binary content, not an OAR env file");
    }
    return parse(text);
  }

  /**
   * The env file of a job: {@code <dir>/<user>_<jobid>.env} when the user's name is known, else
   * the one file {@code <dir>/*_<jobid>.env} (a user that does not resolve on the node).
   */
  static Optional<Path> find(Path dir, String userName, long jobId) {
    String suffix = "_" + jobId + ".env";
    if (userName != null) {
      Path file = dir.resolve(userName + suffix);
      return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }
    Path found = null;
    try (var files = Files.newDirectoryStream(dir, "*" + suffix)) {
      for (Path f : files) {
        if (found != null) {
          return Optional.empty(); // ambiguous: several users with this job id
        }
        found = f;
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.ofNullable(found).filter(Files::isRegularFile);
  }

  static Parsed parse(String text) {
    Map<String, String> vars = new LinkedHashMap<>();
    int bad = 0;
    for (String line : text.split("\r?\n", -1)) {
      String s = line.strip();
      if (s.isEmpty() || s.startsWith("#")) {
        continue;
      }
      if (s.startsWith("export") && s.length() > 6 && Character.isWhitespace(s.charAt(6))) {
        s = s.substring(6).stripLeading();
      }
      int eq = s.indexOf('=');
      if (eq <= 0 || !isName(s.substring(0, eq))) {
        bad++;
        continue;
      }
      String value = unquote(s.substring(eq + 1));
      if (value == null) {
        bad++;
        continue;
      }
      vars.put(s.substring(0, eq), value);
    }
    return new Parsed(Map.copyOf(vars), bad);
  }

  static boolean isName(String s) {
    if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  /** One shell word (with an optional trailing comment), or null when it is not one. */
  static String unquote(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        String rest = s.substring(i).strip();
        return rest.isEmpty() || rest.startsWith("#") ? out.toString() : null;
      } else if (c == '\'') {
        int end = s.indexOf('\'', i + 1);
        if (end < 0) {
          return null;
        }
        out.append(s, i + 1, end);
        i = end + 1;
      } else if (c == '"') {
        i++;
        boolean closed = false;
        while (i < n) {
          char d = s.charAt(i);
          if (d == '"') {
            closed = true;
            i++;
            break;
          }
          if (d == '\\' && i + 1 < n && "\"\\$`".indexOf(s.charAt(i + 1)) >= 0) {
            out.append(s.charAt(i + 1));
            i += 2;
          } else if (d == '$' || d == '`') {
            return null; // an expansion: not a plain value we can read without a shell
          } else {
            out.append(d);
            i++;
          }
        }
        if (!closed) {
          return null;
        }
      } else if (c == '\\') {
        if (i + 1 >= n) {
          return null;
        }
        out.append(s.charAt(i + 1));
        i += 2;
      } else if (c == '$' || c == '`' || c == ';' || c == '|' || c == '&' || c == '<'
          || c == '>' || c == '(' || c == ')') {
        return null;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
