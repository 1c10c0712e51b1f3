package io.cgroupotel.receiver.example;

import io.cgroupotel.receiver.CgroupTreeReceiver;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.MetadataSource;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.TrackedEntity;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guide's example receiver: every logged-in user's slice, {@code user.slice/user-<uid>.slice},
 * is an entity with {@code user.id} and, where the node can name the uid, {@code user.name}.
 */
final class UserSliceReceiver extends CgroupTreeReceiver {
  static final String USER_ID = "user.id";
  static final String USER_NAME = "user.name";

  private final long uidMin;
  private final Names names = new Names();

  UserSliceReceiver(UserSliceReceiverConfig config, HierarchyChoice choice,
      ReceiverContext context, UserNames userNames) {
    super(UserSliceReceiverFactory.TYPE, config.settings().pollInterval(), choice);
    this.uidMin = config.uidMin();
    names.userNames = userNames;
    metadata(names);
    read(sampler(new Users(), config.settings(), context.pollNow()));
  }

  /** Paths in, entities out; it never touches a file (the sampler does). */
  private final class Users implements Classifier {
    @Override
    public boolean descend(Path relative) {
      // the tree's root, and user.slice below it: nothing else can hold a user's slice
      return relative.toString().isEmpty()
          || relative.toString().equals(UserSliceNames.PARENT);
    }

    @Override
    public Classification classify(Path relative) {
      OptionalLong uid = UserSliceNames.uid(relative);
      if (uid.isEmpty() || uid.getAsLong() < uidMin) {
        return null;
      }
      return new Classification(EntityKind.CGROUP, Map.of(USER_ID, uid.getAsLong()));
    }

    /** Discovery saw a new user: named now, or on a later poll. */
    @Override
    public void added(TrackedEntity t) {
      names.unnamed.add(t);
      names.refresh();
    }

    @Override
    public void removed(TrackedEntity t) {
      names.unnamed.remove(t);
    }
  }

  /**
   * The metadata source: user names. A lookup never blocks ({@link UserNames} asks the name
   * service on a thread of its own and answers empty meanwhile), so a user it cannot name yet
   * is asked again after each poll until it can.
   */
  private static final class Names implements MetadataSource {
    UserNames userNames;
    // added on the discovery thread, refreshed on the poll thread
    final Set<TrackedEntity> unnamed = ConcurrentHashMap.newKeySet();

    @Override
    public void refresh() {
      for (TrackedEntity t : unnamed) {
        long uid = (Long) t.entity().attributes().get(USER_ID);
        userNames.lookup(uid).ifPresent(name -> {
          Map<String, Object> a = new LinkedHashMap<>(t.entity().attributes());
          a.put(USER_NAME, name);
          t.entity().setAttributes(a);
          unnamed.remove(t);
        });
      }
    }

    @Override
    public void close() {
      userNames.close();
    }
  }
}
