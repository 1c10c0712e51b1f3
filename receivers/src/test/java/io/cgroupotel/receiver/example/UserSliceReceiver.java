package io.cgroupotel.receiver.example;

import io.cgroupotel.receiver.CgroupTreeReceiver;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.UserNames;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.EntityKind;
import io.cgroupotel.sampler.TrackedEntity;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The guide's example receiver: every logged-in user's slice, {@code user.slice/user-<uid>.slice},
 * is an entity with {@code user.id} and, where the node can name the uid, {@code user.name}.
 */
final class UserSliceReceiver extends CgroupTreeReceiver {
  static final String USER_ID = "user.id";
  static final String USER_NAME = "user.name";

  private final long uidMin;
  private final UserNames userNames; // the metadata source

  UserSliceReceiver(UserSliceReceiverConfig config, HierarchyChoice choice,
      ReceiverContext context, UserNames userNames) {
    super(UserSliceReceiverFactory.TYPE, config.settings().pollInterval(), choice);
    this.uidMin = config.uidMin();
    this.userNames = userNames;
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

    /** Discovery saw a new user: add its name where the node knows it. */
    @Override
    public void added(TrackedEntity t) {
      long uid = (Long) t.entity().attributes().get(USER_ID);
      userNames.lookup(uid).ifPresent(name -> {
        Map<String, Object> a = new LinkedHashMap<>(t.entity().attributes());
        a.put(USER_NAME, name);
        t.entity().setAttributes(a);
      });
    }
  }

  @Override
  public void close() {
    super.close();
    userNames.close();
  }
}
