package io.cgroupotel.exporter.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Whether the file exporter may write a path without being steered elsewhere. The agent often
 * runs as root: if someone else can replace the file with a symbolic link (or a directory on the
 * way with one), root appends to whatever the link names. So:
 *
 * <ul>
 *   <li>the file itself is never a symbolic link (and is opened with {@code O_NOFOLLOW}, which
 *       closes the gap between this check and the open);
 *   <li>no directory from {@code /} down to the file's can be changed by a user other than root
 *       and the agent's own: one owned by another user, or writable by everyone, is refused,
 *       unless it has the sticky bit (as {@code /tmp}: there, others cannot remove or rename
 *       what is not theirs) and belongs to root or to the agent's user. The file's own
 *       directory must not be writable by its group either; above it, a group-writable
 *       directory is let be, as system directories are ({@code /var/log} is root:syslog 0775 on
 *       Ubuntu), their groups being system accounts.
 * </ul>
 *
 * Directories are checked as they really are (links on the way resolved, then each real
 * directory checked), the way OpenSSH checks the files it trusts.
 */
final class SafePath {
  private SafePath() {}

  /** Why {@code file} is not safe to write, with what to do; null when it is. */
  static String problem(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    if (Files.isSymbolicLink(absolute)) {
      return absolute + " is a symbolic link: the file exporter does not follow links (whoever "
          + "can change the link would choose the file the agent writes, as root); give the "
          + "real path of the file (for standard output, path = \"-\")";
    }
    Path dir = absolute.getParent();
    while (dir != null && !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      dir = dir.getParent(); // not created yet: what matters is where it will be created
    }
    if (dir == null) {
      return null;
    }
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      return null; // cannot resolve: the open reports what is wrong
    }
    int self = agentUid();
    boolean parent = dir.equals(absolute.getParent());
    for (Path d = real; d != null; d = d.getParent()) {
      String why = unsafeDirectory(d, self, parent && d == real);
      if (why != null) {
        return "refusing to write " + absolute + ": " + why;
      }
    }
    return null;
  }

  /**
   * Why directory {@code d} lets another user swap what is in it, or null; {@code own}: the
   * file's own directory, where group write counts too.
   */
  private static String unsafeDirectory(Path d, int self, boolean own) {
    PosixFileAttributes a;
    int owner;
    try {
      a = Files.readAttributes(d, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      owner = (Integer) Files.getAttribute(d, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | UnsupportedOperationException | ClassCastException e) {
      return null; // not a POSIX file system: nothing to check
    }
    Set<PosixFilePermission> mode = a.permissions();
    boolean trustedOwner = owner == 0 || owner == self;
    boolean sticky = sticky(d);
    boolean othersWrite = (own && mode.contains(PosixFilePermission.GROUP_WRITE))
        || mode.contains(PosixFilePermission.OTHERS_WRITE);
    String how = "make the directory belong to root (or the agent's user) and writable by it "
        + "alone (chown root " + d + "; chmod go-w " + d + "), or write elsewhere, e.g. "
        + "/var/log/cgroup-otel-agent";
    if (!trustedOwner && mode.contains(PosixFilePermission.OWNER_WRITE)) {
      return "directory " + d + " belongs to user " + a.owner().getName() + " (uid " + owner
          + "), who could replace the file with a link to any other file, which the agent "
          + "would then write; " + how;
    }
    if (othersWrite && !(sticky && trustedOwner)) {
      return "directory " + d + " is writable by "
          + (mode.contains(PosixFilePermission.OTHERS_WRITE) ? "every user" : "its group "
              + a.group().getName()) + " (" + java.nio.file.attribute.PosixFilePermissions
              .toString(mode) + ", no sticky bit), who could replace the file with a link to any "
          + "other file, which the agent would then write; " + how;
    }
    return null;
  }

  private static boolean sticky(Path d) {
    try {
      int mode = (Integer) Files.getAttribute(d, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return (mode & 01000) != 0;
    } catch (IOException | UnsupportedOperationException | ClassCastException e) {
      return false;
    }
  }

  /** The agent's effective uid: {@code /proc/self} belongs to it. -1 when unknown. */
  static int agentUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException | ClassCastException e) {
      return -1;
    }
  }
}
