package io.capstan.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Kubernetes-style object storage on etcd. It uses only the transaction shapes kube-apiserver
 * uses (as kine documents): create if {@code modRevision == 0}, update or delete if
 * {@code modRevision == expected}, with a read of the current value in the else branch so a
 * failed precondition tells "gone" from "changed" without a second round trip.
 *
 * <p>All methods are non-blocking and thread-safe; futures complete exceptionally with a
 * {@link StoreException} subtype.
 */
public final class EtcdStore implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Client client;
    private final KV kv;
    private final boolean ownsClient;
    private final Supplier<Executor> continuations;

    public EtcdStore(Client client) {
        this(client, false, NO_HOP);
    }

    private EtcdStore(Client client, boolean ownsClient, Supplier<Executor> continuations) {
        this.client = client;
        this.kv = client.getKVClient();
        this.ownsClient = ownsClient;
        this.continuations = continuations;
    }

    private static final Supplier<Executor> NO_HOP = () -> null;

    /** Connects to the given comma-separated endpoints ({@code http://127.0.0.1:2379}). */
    public static EtcdStore connect(String endpoints) {
        return new EtcdStore(Client.builder().endpoints(endpoints.split(",")).build(), true, NO_HOP);
    }

    /** Connects with gRPC interceptors on every etcd call (metrics, tracing). */
    public static EtcdStore connect(String endpoints, List<io.grpc.ClientInterceptor> interceptors) {
        return connect(endpoints, interceptors, NO_HOP);
    }

    /**
     * As {@link #connect(String, List)}, and every future this store returns completes through the
     * executor {@code continuations} gives at the time of the call (null: no hand-off). jetcd
     * completes every call on the one event loop of its gRPC channel; a server hands the
     * continuation back to the caller's own event loop so that the work after each etcd answer
     * spreads over all of them instead of queueing on that one thread.
     */
    public static EtcdStore connect(String endpoints, List<io.grpc.ClientInterceptor> interceptors,
                                    Supplier<Executor> continuations) {
        return new EtcdStore(Client.builder().endpoints(endpoints.split(",")).interceptors(interceptors).build(), true,
                continuations);
    }

    public Client client() {
        return client;
    }

    /**
     * Creates the key if absent. Completes with the new mod revision (the resourceVersion), or
     * fails with {@link StoreException.AlreadyExists}. A non-zero lease attaches the key to it.
     */
    public CompletableFuture<Long> create(String key, byte[] value, long lease) {
        ByteSequence k = bytes(key);
        PutOption put = lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
        return call(kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(0)))
                .Then(Op.put(k, ByteSequence.from(value), put))
                .commit())
                .thenApply(r -> {
                    if (!r.isSucceeded()) {
                        throw new StoreException.AlreadyExists(key);
                    }
                    return r.getHeader().getRevision();
                });
    }

    /**
     * Replaces the value if the key's mod revision is {@code expected}. Completes with the new
     * revision, or fails with {@link StoreException.Conflict} (carrying the current value) or
     * {@link StoreException.NotFound}. The key keeps its lease when {@code lease} is non-zero.
     */
    public CompletableFuture<Long> update(String key, byte[] value, long expected, long lease) {
        ByteSequence k = bytes(key);
        PutOption put = lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
        return call(kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expected)))
                .Then(Op.put(k, ByteSequence.from(value), put))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit())
                .thenApply(r -> {
                    if (!r.isSucceeded()) {
                        throw preconditionFailure(key, r);
                    }
                    return r.getHeader().getRevision();
                });
    }

    /**
     * Deletes the key if its mod revision is {@code expected}. Completes with the revision of the
     * delete, or fails with {@link StoreException.Conflict} or {@link StoreException.NotFound}.
     */
    public CompletableFuture<Long> delete(String key, long expected) {
        ByteSequence k = bytes(key);
        return call(kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expected)))
                .Then(Op.delete(k, DeleteOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit())
                .thenApply(r -> {
                    if (!r.isSucceeded()) {
                        throw preconditionFailure(key, r);
                    }
                    return r.getHeader().getRevision();
                });
    }

    /**
     * Writes the key only while {@code guardKey} still exists with create revision
     * {@code guardRevision} (a leader's election key), so a deposed leader cannot write.
     * Completes with false when the guard no longer holds.
     */
    public CompletableFuture<Boolean> putWhileHeld(String key, byte[] value, ByteSequence guardKey, long guardRevision) {
        ByteSequence k = bytes(key);
        return call(kv.txn()
                .If(new Cmp(guardKey, Cmp.Op.EQUAL, CmpTarget.createRevision(guardRevision)))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT))
                .commit())
                .thenApply(TxnResponse::isSucceeded);
    }

    /** Deletes the key whatever its revision; completes with true when it existed. */
    public CompletableFuture<Boolean> remove(String key) {
        return call(kv.delete(bytes(key))).thenApply(r -> r.getDeleted() > 0);
    }

    private static StoreException preconditionFailure(String key, TxnResponse r) {
        List<GetResponse> gets = r.getGetResponses();
        if (gets.isEmpty() || gets.get(0).getKvs().isEmpty()) {
            return new StoreException.NotFound(key);
        }
        return new StoreException.Conflict(key, toStored(gets.get(0).getKvs().get(0)));
    }

    /** Reads one key at the latest revision. */
    public CompletableFuture<Optional<StoredObject>> get(String key) {
        return call(kv.get(bytes(key)))
                .thenApply(r -> r.getKvs().isEmpty() ? Optional.empty() : Optional.of(toStored(r.getKvs().get(0))));
    }

    /**
     * Lists keys under {@code prefix}, starting at {@code startKey} (inclusive; null for the
     * start of the prefix), at {@code revision} (0 for the latest), at most {@code limit} items
     * (0 for all). Fails with {@link StoreException.Expired} when the revision was compacted.
     */
    public CompletableFuture<ListPage> list(String prefix, String startKey, long revision, int limit) {
        ByteSequence end = prefixEnd(prefix);
        GetOption.Builder option = GetOption.builder()
                .withRange(end)
                .withSortField(GetOption.SortTarget.KEY)
                .withSortOrder(GetOption.SortOrder.ASCEND);
        if (revision > 0) {
            option.withRevision(revision);
        }
        if (limit > 0) {
            option.withLimit(limit + 1L);
        }
        ByteSequence from = bytes(startKey == null ? prefix : startKey);
        return call(kv.get(from, option.build()), revision).thenApply(r -> {
            List<KeyValue> kvs = r.getKvs();
            List<StoredObject> items = new ArrayList<>(Math.min(kvs.size(), limit > 0 ? limit : kvs.size()));
            String next = null;
            for (int i = 0; i < kvs.size(); i++) {
                if (limit > 0 && i == limit) {
                    next = kvs.get(i).getKey().toString(StandardCharsets.UTF_8);
                    break;
                }
                items.add(toStored(kvs.get(i)));
            }
            long remaining = next == null ? 0 : r.getCount() - items.size();
            return new ListPage(items, r.getHeader().getRevision(), next, remaining);
        });
    }

    /** The current revision of the store. */
    public CompletableFuture<Long> currentRevision() {
        return call(kv.get(bytes("/registry/revision-probe"), GetOption.builder().withCountOnly(true).build()))
                .thenApply(r -> r.getHeader().getRevision());
    }

    /** Compacts history up to {@code revision}; later reads or watches before it fail as expired. */
    public CompletableFuture<Void> compact(long revision) {
        return call(kv.compact(revision, CompactOption.DEFAULT)).thenApply(r -> null);
    }

    /** Grants a lease of {@code ttlSeconds}; keys attached to it vanish when it expires. */
    public CompletableFuture<Long> grantLease(long ttlSeconds) {
        return call(client.getLeaseClient().grant(ttlSeconds)).thenApply(r -> r.getID());
    }

    /**
     * Watches every key under {@code prefix} for changes after {@code afterRevision}. Events
     * arrive in revision order on a jetcd thread; {@code onError} receives
     * {@link StoreException.Expired} when the revision was compacted, and the watch ends.
     * Close the returned handle to stop.
     */
    public AutoCloseable watch(String prefix, long afterRevision, Consumer<List<StoreEvent>> onEvents,
                               Consumer<StoreException> onError) {
        WatchOption option = WatchOption.builder()
                .withRange(prefixEnd(prefix))
                .withRevision(afterRevision + 1)
                .withPrevKV(true)
                .build();
        Watch.Watcher watcher = client.getWatchClient().watch(bytes(prefix), option, Watch.listener(
                (WatchResponse response) -> {
                    List<WatchEvent> events = response.getEvents();
                    if (events.isEmpty()) {
                        return;
                    }
                    List<StoreEvent> out = new ArrayList<>(events.size());
                    for (WatchEvent e : events) {
                        out.add(toEvent(e));
                    }
                    onEvents.accept(out);
                },
                (Throwable t) -> onError.accept(translate(t, afterRevision + 1))));
        return watcher::close;
    }

    private static StoreEvent toEvent(WatchEvent e) {
        KeyValue kv = e.getKeyValue();
        String key = kv.getKey().toString(StandardCharsets.UTF_8);
        KeyValue prev = e.getPrevKV();
        byte[] prevValue = prev == null || prev.getValue().isEmpty() ? null : prev.getValue().getBytes();
        if (e.getEventType() == WatchEvent.EventType.DELETE) {
            return new StoreEvent(StoreEvent.Type.DELETED, key, prevValue, kv.getModRevision(), prevValue);
        }
        StoreEvent.Type type = kv.getCreateRevision() == kv.getModRevision() ? StoreEvent.Type.ADDED : StoreEvent.Type.MODIFIED;
        return new StoreEvent(type, key, kv.getValue().getBytes(), kv.getModRevision(), prevValue);
    }

    private static StoredObject toStored(KeyValue kv) {
        return new StoredObject(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(),
                kv.getModRevision(), kv.getCreateRevision(), kv.getLease());
    }

    private <T> CompletableFuture<T> call(CompletableFuture<T> future) {
        return call(future, 0);
    }

    private <T> CompletableFuture<T> call(CompletableFuture<T> future, long revision) {
        Executor continuation = continuations.get();
        CompletableFuture<T> translated = future.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(t -> {
                    throw translate(t, revision);
                });
        // The same outcome, completed on the continuation's thread, so the caller's stages run there.
        return continuation == null ? translated : translated.whenCompleteAsync((value, failure) -> { }, continuation);
    }

    private static StoreException translate(Throwable t, long revision) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof StoreException se) {
            return se;
        }
        if (cause instanceof CompactedException ce) {
            return new StoreException.Expired(revision, ce.getCompactedRevision());
        }
        for (Throwable c = cause; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("required revision has been compacted")) {
                return new StoreException.Expired(revision, 0);
            }
        }
        if (cause instanceof TimeoutException) {
            return new StoreException.Unavailable("etcd did not answer within " + TIMEOUT.toSeconds() + "s", cause);
        }
        return new StoreException.Unavailable("etcd: " + cause.getMessage(), cause);
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** The smallest key greater than every key that starts with the prefix. */
    static ByteSequence prefixEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] end = b.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteSequence.from(java.util.Arrays.copyOf(end, i + 1));
            }
        }
        return ByteSequence.from(new byte[] {0});
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
