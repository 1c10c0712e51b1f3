package io.cgroupotel.receiver.example;

import io.cgroupotel.receiver.CgroupReceiverSettings;
import java.util.Objects;

/**
 * {@code [receivers.user_slices]}: the keys every cgroup receiver shares, and
 *
 * @param uidMin {@code uid_min}: users below it (system users) are not exported; default 1000
 */
record UserSliceReceiverConfig(CgroupReceiverSettings settings, long uidMin) {
  static final long DEFAULT_UID_MIN = 1000;

  UserSliceReceiverConfig {
    Objects.requireNonNull(settings, "settings");
  }
}
