package io.capstan.store;

/** The failures of a storage operation that callers turn into Kubernetes answers. */
public class StoreException extends RuntimeException {
    private StoreException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    /** A create found the key already present (409 AlreadyExists). */
    public static final class AlreadyExists extends StoreException {
        public AlreadyExists(String key) {
            super("key exists: " + key, null);
        }
    }

    /** The key is absent (404 NotFound). */
    public static final class NotFound extends StoreException {
        public NotFound(String key) {
            super("key not found: " + key, null);
        }
    }

    /** The key's modRevision is not the one expected (409 Conflict); carries the current value. */
    public static final class Conflict extends StoreException {
        private final StoredObject current;

        public Conflict(String key, StoredObject current) {
            super("revision mismatch on " + key, null);
            this.current = current;
        }

        public StoredObject current() {
            return current;
        }
    }

    /** The revision asked for has been compacted away (410 Gone / Expired). */
    public static final class Expired extends StoreException {
        private final long compactRevision;

        public Expired(long requested, long compactRevision) {
            super("required revision " + requested + " has been compacted (compacted up to " + compactRevision + ")", null);
            this.compactRevision = compactRevision;
        }

        public long compactRevision() {
            return compactRevision;
        }
    }

    /** etcd could not be reached or failed (500, or 504 on timeout). */
    public static final class Unavailable extends StoreException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
