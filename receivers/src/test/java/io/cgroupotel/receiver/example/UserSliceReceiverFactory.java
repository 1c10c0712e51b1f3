package io.cgroupotel.receiver.example;

import io.cgroupotel.config.ConfigSection;
import io.cgroupotel.receiver.CgroupReceiverSettings;
import io.cgroupotel.receiver.HierarchyChoice;
import io.cgroupotel.receiver.Receiver;
import io.cgroupotel.receiver.ReceiverContext;
import io.cgroupotel.receiver.ReceiverFactory;
import io.cgroupotel.receiver.ReceiverStartException;
import io.cgroupotel.receiver.UserNames;
import java.nio.file.Files;
import java.nio.file.Path;

/** Makes the guide's example receiver: its type, its own keys, its layout probe. */
public final class UserSliceReceiverFactory implements ReceiverFactory<UserSliceReceiverConfig> {
  public static final String TYPE = "user_slices";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public UserSliceReceiverConfig parseConfig(ConfigSection section) {
    CgroupReceiverSettings common = CgroupReceiverSettings.parse(section);
    long uidMin = section.integer("uid_min", UserSliceReceiverConfig.DEFAULT_UID_MIN, 0,
        4_294_967_294L);
    return new UserSliceReceiverConfig(common, uidMin);
  }

  @Override
  public Receiver create(UserSliceReceiverConfig config, ReceiverContext context)
      throws ReceiverStartException {
    HierarchyChoice choice =
        config.settings().chooseHierarchy(TYPE, UserSliceReceiverFactory::probe);
    return new UserSliceReceiver(config, choice, context, new UserNames());
  }

  /** Layout probe: what of ours a tree holds (it helps choose v1 or v2 on a hybrid host). */
  static String probe(Path root) {
    return Files.isDirectory(root.resolve(UserSliceNames.PARENT)) ? "/user.slice" : null;
  }
}
