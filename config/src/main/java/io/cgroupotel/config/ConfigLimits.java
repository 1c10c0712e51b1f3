package io.cgroupotel.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Bounds checked on the text before the TOML parser sees it, because the parser (tomlj, on
 * ANTLR) costs far more than the text: about 300 bytes of heap per character of a string or
 * item of an array, and a stack frame chain per level of nesting. Measured at the launcher's
 * heap (-Xmx128m, -Xss512k): a 400 KiB string or a 150,000-item array ran out of memory, 2,000
 * nested brackets (4 KB) overflowed the stack. With the file under {@link ConfigDocument#MAX_BYTES}
 * and these bounds, every file parses or gets a positioned error.
 *
 * <p>The scan is lexical, as TOML's grammar is: comments, the four kinds of strings (escapes
 * included), table headers, arrays and inline tables. It never fails on what it does not
 * understand: the parser reports syntax errors.
 */
final class ConfigLimits {
  /** Longest string value, in characters: a config value (a glob, a label, a token) is short. */
  static final int MAX_STRING = 8 * 1024;
  /** Most items of one array. */
  static final int MAX_ARRAY_ITEMS = 1024;
  /** Deepest nesting of arrays and inline tables. */
  static final int MAX_DEPTH = 16;

  private final String text;
  private final String source;
  private final List<ConfigError> errors = new ArrayList<>();
  private int i;
  private int line = 1;
  private int column = 1;

  private ConfigLimits(String source, String text) {
    this.source = source;
    this.text = text;
  }

  /** The bounds {@code text} breaks, each positioned; empty when within them. */
  static List<ConfigError> check(String source, String text) {
    ConfigLimits scan = new ConfigLimits(source, text);
    scan.run();
    return scan.errors;
  }

  /** An open array or inline table. */
  private static final class Open {
    final boolean array;
    final int line;
    final int column;
    int items;
    boolean reported;

    Open(boolean array, int line, int column) {
      this.array = array;
      this.line = line;
      this.column = column;
    }
  }

  private void run() {
    List<Open> open = new ArrayList<>();
    char lastOnLine = '\n'; // the last significant character of the line, outside strings
    boolean itemStarted = false; // something in the innermost array since its last comma
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (c == '#') {
        while (i < n && text.charAt(i) != '\n') {
          advance();
        }
        continue;
      }
      if (c == '"' || c == '\'') {
        string(c);
        lastOnLine = c;
        itemStarted = true;
        continue;
      }
      if ((c == '[' && (!open.isEmpty() || lastOnLine == '=')) || c == '{') {
        if (!open.isEmpty() && open.get(open.size() - 1).array) {
          itemStarted = true;
        }
        if (open.size() >= MAX_DEPTH) {
          error(line, column, "arrays and inline tables nested deeper than " + MAX_DEPTH
              + " levels", "a config needs a few levels at most");
          return; // the parser would overflow its stack: nothing more is worth reading
        }
        open.add(new Open(c == '[', line, column));
        itemStarted = false;
        lastOnLine = c;
        advance();
        continue;
      }
      if ((c == ']' || c == '}') && !open.isEmpty()) {
        Open closed = open.remove(open.size() - 1);
        if (closed.array && itemStarted) {
          closed.items++;
          checkItems(closed);
        }
        itemStarted = true; // the closed one is an item of its parent
        lastOnLine = c;
        advance();
        continue;
      }
      if (c == ',' && !open.isEmpty()) {
        Open top = open.get(open.size() - 1);
        if (top.array && itemStarted) {
          top.items++;
          checkItems(top);
        }
        itemStarted = false;
        lastOnLine = c;
        advance();
        continue;
      }
      if (c == '\n') {
        if (open.isEmpty()) {
          lastOnLine = '\n';
        }
      } else if (c != ' ' && c != '\t' && c != '\r') {
        lastOnLine = c;
        if (!open.isEmpty()) {
          itemStarted = true;
        }
      }
      advance();
    }
  }

  private void checkItems(Open array) {
    if (array.items > MAX_ARRAY_ITEMS && !array.reported) {
      array.reported = true;
      error(array.line, array.column, "an array of more than " + MAX_ARRAY_ITEMS + " items",
          "a config lists a few items; check what wrote this file");
    }
  }

  /** Skips a string that starts at {@code i}, checking its length. */
  private void string(char quote) {
    int startLine = line;
    int startColumn = column;
    boolean multiLine = text.startsWith(String.valueOf(quote).repeat(3), i);
    boolean escapes = quote == '"';
    int open = multiLine ? 3 : 1;
    for (int k = 0; k < open; k++) {
      advance();
    }
    long length = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (escapes && c == '\\' && i + 1 < n) {
        advance();
        advance();
        length++;
        continue;
      }
      if (c == quote && (!multiLine || text.startsWith(String.valueOf(quote).repeat(3), i))) {
        int close = multiLine ? 3 : 1;
        // a multi-line string may end with up to two more quotes of its own: """a"""""
        while (multiLine && i + close < n && text.charAt(i + close) == quote && close < 5) {
          close++;
        }
        for (int k = 0; k < close; k++) {
          advance();
        }
        break;
      }
      if (c == '\n' && !multiLine) {
        break; // unterminated: the parser says so
      }
      length++;
      advance();
    }
    if (length > MAX_STRING) {
      error(startLine, startColumn, "a string of " + length + " characters, more than "
          + MAX_STRING, "a config value is short; check what wrote this file");
    }
  }

  private void advance() {
    if (text.charAt(i) == '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
    i++;
  }

  private void error(int atLine, int atColumn, String message, String hint) {
    errors.add(new ConfigError(source, atLine, atColumn, "", message, hint));
  }
}
