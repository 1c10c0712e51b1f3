package io.cgroupotel.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgroupotel.cgroupfs.RealCgroupTree;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.EntityKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The kit's metadata source on a REAL cgroup v2 tree: refreshed at each poll (with the entities
 * the sampler tracks), asked by one-shot runs, closed with the receiver; at most one.
 */
class CgroupTreeReceiverMetadataTest {

  /** Records what the kit asks of it, in order. */
  private static final class Recording implements MetadataSource {
    final List<String> calls = new ArrayList<>();
    Tree receiver;

    @Override
    public void refresh() {
      calls.add("refresh with " + receiver.tracked() + " entities");
    }

    @Override
    public boolean awaitReady(Duration timeout) {
      calls.add("awaitReady " + timeout.toMillis());
      return false;
    }

    @Override
    public String notReadyReason() {
      return "the scheduler did not answer";
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }

  /** Every top-level cgroup is an entity. */
  private static final class Tree extends CgroupTreeReceiver {
    Tree(Path root, MetadataSource source) {
      super("test", Duration.ofSeconds(1), HierarchyChoice.asGiven(root));
      if (source != null) {
        metadata(source);
      }
      read(sampler(new Classifier() {
        @Override
        public boolean descend(Path relative) {
          return relative.toString().isEmpty();
        }

        @Override
        public Classification classify(Path relative) {
          return relative.getNameCount() == 1 && !relative.toString().isEmpty()
              ? new Classification(EntityKind.CGROUP, Map.of("name", relative.toString()))
              : null;
        }
      }, CgroupReceiverSettings.of(root), () -> {}));
    }

    int tracked() {
      return size();
    }
  }

  @Test
  void poll_refreshesTheSourceAfterTheRead_oneShotAsksIt_closeClosesItLast() {
    try (RealCgroupTree cgroups = RealCgroupTree.create()) {
      cgroups.mkdirs("a");
      cgroups.mkdirs("b");
      Recording source = new Recording();
      Tree receiver = new Tree(cgroups.root(), source);
      source.receiver = receiver;
      receiver.start();
      assertThat(receiver.poll().samples()).hasSize(2);
      assertThat(receiver.awaitReady(Duration.ofMillis(7))).isFalse();
      assertThat(receiver.notReadyReason()).isEqualTo("the scheduler did not answer");
      receiver.close();
      assertThat(source.calls).containsExactly("refresh with 2 entities", "awaitReady 7", "close");
      try (Tree again = new Tree(cgroups.root(), source)) {
        assertThatThrownBy(() -> again.metadata(source))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("twice");
      }
    }
  }

  @Test
  void withoutSource_readyAtOnce_noReason() {
    try (RealCgroupTree cgroups = RealCgroupTree.create();
        Tree receiver = new Tree(cgroups.root(), null)) {
      assertThat(receiver.awaitReady(Duration.ZERO)).isTrue();
      assertThat(receiver.notReadyReason()).isNull();
    }
  }
}
