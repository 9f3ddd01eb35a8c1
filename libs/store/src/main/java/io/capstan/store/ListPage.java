package io.capstan.store;

import java.util.List;

/**
 * One page of a list: the objects, the revision the whole list is consistent at, and whether more
 * keys follow ({@code nextKey} is the first key of the next page, {@code remaining} how many).
 */
public record ListPage(List<StoredObject> items, long revision, String nextKey, long remaining) {
    public boolean hasMore() {
        return nextKey != null;
    }
}
