package io.cgroupotel.agent.energy;

import io.cgroupotel.sampler.Entity;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One receiver's accounts, their per-poll figures kept in columns (one array per figure, an
 * entity's place in them its slot) rather than in one object per entity.
 *
 * <p>Why: attribution runs after every poll over every entity, right after the sampler has read a
 * thousand cgroup files, which leaves little of the heap in the CPU's caches. With an object per
 * entity (and its joules in an array of their own) each entity cost two or three cache misses,
 * and a hash lookup of its Entity another; the columns are walked nearly in order (slots are
 * handed out in discovery order, as the sampler reads), and the previous poll's order of entities
 * stands in for the lookup (a receiver hands the same Entity objects in the same order poll
 * after poll). This is what keeps attribution within its 5% of the poll's CPU.
 *
 * <p>An account whose entity is gone keeps its totals in its own object ({@link
 * EnergyAccounting.Account#frozen}): its state is exported once more after it went, and its slot
 * is reused.
 *
 * <p>Not thread-safe: guarded by the accounting's lock.
 */
final class AccountTable {
  /** Slot columns; index = slot. */
  EnergyAccounting.Account[] account = new EnergyAccounting.Account[16];
  long[] seenPoll = new long[16];
  long[] lastUsage = new long[16];
  long[] pendingUsage = new long[16];
  long[] pendingDelta = new long[16];
  double[] share = new double[16];
  /** Whether the slot's entity is nested (a container, a step): shared within its parent. */
  boolean[] nested = new boolean[16];
  /** Per slot, {@link #stride} values: CPU seconds, carbon grams, then joules per domain. */
  double[] totals = new double[16 * 2];
  int stride = 2;

  private int highWater;
  private int[] free = new int[16];
  private int freeCount;
  private int live;

  /** The previous poll's samples' entities and their slots, by position. */
  private Entity[] order = new Entity[16];
  private int[] orderSlot = new int[16];

  private final Map<Entity, EnergyAccounting.Account> byEntity = new IdentityHashMap<>();

  /** Live accounts. */
  int live() {
    return live;
  }

  /**
   * The slot of the entity of the poll's {@code position}-th sample, or -1 when it has no account
   * yet; found without a lookup when that position held the same entity last time.
   */
  int slotAt(int position, Entity entity) {
    if (position < order.length && order[position] == entity) {
      return orderSlot[position];
    }
    EnergyAccounting.Account a = byEntity.get(entity);
    if (a == null) {
      return -1;
    }
    remember(position, entity, a.slot);
    return a.slot;
  }

  /** The slot of a live entity, looked up (for the few entities not read in a poll). */
  int slotOf(Entity entity) {
    EnergyAccounting.Account a = byEntity.get(entity);
    return a == null ? -1 : a.slot;
  }

  /** Opens an account for {@code entity} at position {@code position}; returns its slot. */
  int open(int position, Entity entity, EnergyAccounting.Account a) {
    int slot = freeCount > 0 ? free[--freeCount] : highWater++;
    if (slot >= account.length) {
      grow(Math.max(16, account.length * 2));
    }
    a.slot = slot;
    account[slot] = a;
    seenPoll[slot] = 0;
    lastUsage[slot] = 0;
    pendingUsage[slot] = 0;
    pendingDelta[slot] = 0;
    share[slot] = 0;
    nested[slot] = !a.topLevel();
    Arrays.fill(totals, slot * stride, (slot + 1) * stride, 0);
    byEntity.put(entity, a);
    live++;
    remember(position, entity, slot);
    return slot;
  }

  /** Makes room for {@code domains} energy domains per slot (domains only ever get added). */
  void domains(int domains) {
    int wanted = 2 + domains;
    if (wanted <= stride) {
      return;
    }
    double[] wider = new double[account.length * wanted];
    for (int s = 0; s < highWater; s++) {
      System.arraycopy(totals, s * stride, wider, s * wanted, stride);
    }
    totals = wider;
    stride = wanted;
  }

  /** Closes the accounts not seen in poll {@code poll}: their totals move to their objects. */
  void closeUnseen(long poll) {
    var it = byEntity.values().iterator();
    while (it.hasNext()) {
      EnergyAccounting.Account a = it.next();
      int slot = a.slot;
      if (seenPoll[slot] == poll) {
        continue;
      }
      a.frozen = Arrays.copyOfRange(totals, slot * stride, (slot + 1) * stride);
      a.slot = -1;
      account[slot] = null;
      if (freeCount == free.length) {
        free = Arrays.copyOf(free, free.length * 2);
      }
      free[freeCount++] = slot;
      live--;
      it.remove();
    }
    // positions may now name a slot another entity will take: start the order afresh
    Arrays.fill(order, null);
  }

  /** The totals of {@code a} (CPU seconds, carbon grams, joules per domain), {@code n} values. */
  double[] values(EnergyAccounting.Account a, int n) {
    double[] v = new double[n];
    if (a.slot >= 0) {
      System.arraycopy(totals, a.slot * stride, v, 0, Math.min(n, stride));
    } else if (a.frozen != null) {
      System.arraycopy(a.frozen, 0, v, 0, Math.min(n, a.frozen.length));
    }
    return v;
  }

  private void remember(int position, Entity entity, int slot) {
    if (position >= order.length) {
      int n = Math.max(position + 1, order.length * 2);
      order = Arrays.copyOf(order, n);
      orderSlot = Arrays.copyOf(orderSlot, n);
    }
    order[position] = entity;
    orderSlot[position] = slot;
  }

  private void grow(int n) {
    account = Arrays.copyOf(account, n);
    seenPoll = Arrays.copyOf(seenPoll, n);
    lastUsage = Arrays.copyOf(lastUsage, n);
    pendingUsage = Arrays.copyOf(pendingUsage, n);
    pendingDelta = Arrays.copyOf(pendingDelta, n);
    share = Arrays.copyOf(share, n);
    nested = Arrays.copyOf(nested, n);
    totals = Arrays.copyOf(totals, n * stride);
  }
}
