package io.capstan.apiserver;

import io.capstan.store.StoredObject;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecentObjectsTest {
    private static StoredObject object(String key, long revision, int size) {
        return new StoredObject(key, new byte[size], revision, 1, 0);
    }

    @Test
    void aNewerRevisionReplacesAnOlderOneButNeverTheOtherWayRound() {
        RecentObjects recent = new RecentObjects(10, 1 << 20, 1 << 10);
        recent.put(object("/a", 5, 10));
        recent.put(object("/a", 4, 10));
        assertThat(recent.get("/a").modRevision()).isEqualTo(5);
        recent.put(object("/a", 7, 10));
        assertThat(recent.get("/a").modRevision()).isEqualTo(7);
        recent.forget("/a");
        assertThat(recent.get("/a")).isNull();
    }

    @Test
    void theLeastRecentlyUsedGoFirstWhenEntriesOrBytesRunOut() {
        RecentObjects recent = new RecentObjects(3, 95, 60);
        recent.put(object("/a", 1, 10));
        recent.put(object("/b", 2, 10));
        recent.put(object("/c", 3, 10));
        recent.get("/a");
        recent.put(object("/d", 4, 10));
        assertThat(recent.get("/b")).isNull();
        assertThat(recent.get("/a")).isNotNull();
        recent.put(object("/e", 5, 50));
        recent.put(object("/f", 6, 40));
        assertThat(recent.size()).isEqualTo(2);
        assertThat(recent.get("/e")).isNotNull();
        assertThat(recent.get("/f")).isNotNull();
    }

    @Test
    void objectsOverTheSizeLimitAreNotKeptAndDropTheirOlderCopy() {
        RecentObjects recent = new RecentObjects(10, 1 << 20, 100);
        recent.put(object("/a", 1, 10));
        recent.put(object("/a", 2, 101));
        assertThat(recent.get("/a")).isNull();
        assertThat(recent.size()).isZero();
    }
}
