package io.cgroupotel.receiver.example;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names parser of the guide's example receiver (docs/adding-a-receiver.md): systemd's slice
 * of a logged-in user, {@code user.slice/user-<uid>.slice}. Pure: a path in, an id out.
 */
final class UserSliceNames {
  static final String PARENT = "user.slice";
  private static final Pattern USER = Pattern.compile("user-([0-9]{1,10})\\.slice");

  private UserSliceNames() {}

  /** The uid of {@code user.slice/user-<uid>.slice} (the last two names of {@code path}). */
  static OptionalLong uid(Path path) {
    Path name = path.getFileName();
    Path parent = path.getParent() == null ? null : path.getParent().getFileName();
    if (name == null || parent == null || !parent.toString().equals(PARENT)) {
      return OptionalLong.empty();
    }
    Matcher m = USER.matcher(name.toString());
    return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }
}
