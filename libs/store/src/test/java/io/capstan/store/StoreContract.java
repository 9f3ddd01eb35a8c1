package io.capstan.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract every {@link EtcdStore}-shaped store keeps. Subclasses provide the store; each
 * test works under its own key prefix so they can share one server.
 */
abstract class StoreContract {
    protected abstract EtcdStore store();

    private String prefix(String test) {
        return "/registry/contract-" + test + "-" + System.nanoTime() + "/";
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Throwable cause(Runnable r) {
        try {
            r.run();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void createReturnsTheModRevisionThatGetReports() {
        String key = prefix("create") + "a";
        long rev = store().create(key, b("one"), 0).join();
        StoredObject got = store().get(key).join().orElseThrow();
        assertThat(got.modRevision()).isEqualTo(rev);
        assertThat(got.createRevision()).isEqualTo(rev);
        assertThat(s(got.value())).isEqualTo("one");
    }

    @Test
    void createOfAnExistingKeyFailsWithAlreadyExists() {
        String key = prefix("exists") + "a";
        store().create(key, b("one"), 0).join();
        assertThat(cause(() -> store().create(key, b("two"), 0).join())).isInstanceOf(StoreException.AlreadyExists.class);
        assertThat(s(store().get(key).join().orElseThrow().value())).isEqualTo("one");
    }

    @Test
    void updateWithTheCurrentRevisionSucceedsAndWithAStaleOneConflicts() {
        String key = prefix("update") + "a";
        long r1 = store().create(key, b("one"), 0).join();
        long r2 = store().update(key, b("two"), r1, 0).join();
        assertThat(r2).isGreaterThan(r1);
        Throwable stale = cause(() -> store().update(key, b("three"), r1, 0).join());
        assertThat(stale).isInstanceOf(StoreException.Conflict.class);
        assertThat(s(((StoreException.Conflict) stale).current().value())).isEqualTo("two");
        assertThat(((StoreException.Conflict) stale).current().modRevision()).isEqualTo(r2);
    }

    @Test
    void updateOfAMissingKeyFailsWithNotFound() {
        assertThat(cause(() -> store().update(prefix("missing") + "a", b("x"), 5, 0).join()))
                .isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    void deleteHonoursTheRevisionPrecondition() {
        String key = prefix("delete") + "a";
        long r1 = store().create(key, b("one"), 0).join();
        long r2 = store().update(key, b("two"), r1, 0).join();
        assertThat(cause(() -> store().delete(key, r1).join())).isInstanceOf(StoreException.Conflict.class);
        long deleted = store().delete(key, r2).join();
        assertThat(deleted).isGreaterThan(r2);
        assertThat(store().get(key).join()).isEmpty();
        assertThat(cause(() -> store().delete(key, r2).join())).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    void listIsSortedByKeyAndStaysInsideThePrefix() {
        String p = prefix("list");
        store().create(p + "b", b("b"), 0).join();
        store().create(p + "a", b("a"), 0).join();
        store().create(p.substring(0, p.length() - 1) + "x/c", b("outside"), 0).join();
        ListPage page = store().list(p, null, 0, 0).join();
        assertThat(page.items()).extracting(o -> s(o.value())).containsExactly("a", "b");
        assertThat(page.hasMore()).isFalse();
    }

    @Test
    void listPagesWithALimitAndAContinueKeyAtOneRevision() {
        String p = prefix("pages");
        for (int i = 0; i < 5; i++) {
            store().create(p + "k" + i, b("v" + i), 0).join();
        }
        ListPage first = store().list(p, null, 0, 2).join();
        assertThat(first.items()).hasSize(2);
        assertThat(first.remaining()).isEqualTo(3);
        store().create(p + "k9", b("late"), 0).join();
        ListPage second = store().list(p, first.nextKey(), first.revision(), 2).join();
        ListPage third = store().list(p, second.nextKey(), first.revision(), 2).join();
        assertThat(third.items()).extracting(o -> s(o.value())).containsExactly("v4");
        assertThat(third.hasMore()).isFalse();
    }

    @Test
    void listAtAnOldRevisionShowsTheOldState() {
        String p = prefix("oldrev");
        long r1 = store().create(p + "a", b("one"), 0).join();
        store().update(p + "a", b("two"), r1, 0).join();
        assertThat(s(store().list(p, null, r1, 0).join().items().get(0).value())).isEqualTo("one");
    }

    @Test
    void watchDeliversAddedModifiedAndDeletedWithThePreviousValue() throws Exception {
        String p = prefix("watch");
        long start = store().currentRevision().join();
        LinkedBlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
        try (AutoCloseable w = store().watch(p, start, events::addAll, e -> { })) {
            long r1 = store().create(p + "a", b("one"), 0).join();
            long r2 = store().update(p + "a", b("two"), r1, 0).join();
            long r3 = store().delete(p + "a", r2).join();
            StoreEvent added = events.poll(10, TimeUnit.SECONDS);
            StoreEvent modified = events.poll(10, TimeUnit.SECONDS);
            StoreEvent deleted = events.poll(10, TimeUnit.SECONDS);
            assertThat(added.type()).isEqualTo(StoreEvent.Type.ADDED);
            assertThat(added.revision()).isEqualTo(r1);
            assertThat(modified.type()).isEqualTo(StoreEvent.Type.MODIFIED);
            assertThat(s(modified.previousValue())).isEqualTo("one");
            assertThat(deleted.type()).isEqualTo(StoreEvent.Type.DELETED);
            assertThat(deleted.revision()).isEqualTo(r3);
            assertThat(s(deleted.value())).isEqualTo("two");
        }
    }

    @Test
    void watchFromARevisionReplaysEverythingAfterIt() throws Exception {
        String p = prefix("replay");
        long r1 = store().create(p + "a", b("one"), 0).join();
        long r2 = store().create(p + "b", b("two"), 0).join();
        LinkedBlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
        try (AutoCloseable w = store().watch(p, r1, events::addAll, e -> { })) {
            StoreEvent e = events.poll(10, TimeUnit.SECONDS);
            assertThat(e.revision()).isEqualTo(r2);
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void watchAndListBeforeACompactedRevisionFailAsExpired() throws Exception {
        String p = prefix("compact");
        long r1 = store().create(p + "a", b("one"), 0).join();
        long r2 = store().update(p + "a", b("two"), r1, 0).join();
        store().update(p + "a", b("three"), r2, 0).join();
        store().compact(r2).join();
        assertThat(cause(() -> store().list(p, null, r1, 0).join())).isInstanceOf(StoreException.Expired.class);
        LinkedBlockingQueue<StoreException> errors = new LinkedBlockingQueue<>();
        List<StoreEvent> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable w = store().watch(p, r1 - 1, seen::addAll, errors::add)) {
            assertThat(errors.poll(10, TimeUnit.SECONDS)).isInstanceOf(StoreException.Expired.class);
        }
    }

    @Test
    void keysOnALeaseVanishWhenItExpires() throws Exception {
        String key = prefix("lease") + "a";
        long lease = store().grantLease(1).join();
        store().create(key, b("short-lived"), lease).join();
        assertThat(store().get(key).join()).isPresent();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store().get(key).join().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(store().get(key).join()).isEmpty();
    }
}
